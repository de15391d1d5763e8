"""Helpers for the seed scripts: the endpoint, the client and the world."""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import SoftLayer  # noqa: E402

from harness import emulator_now_from_env, find, world_from_env  # noqa: E402,F401


def client():
    """The SDK client for the emulator (the seeds say SoftLayer.Client())."""
    return SoftLayer.create_client_from_env(endpoint_url=os.environ["SL_ENDPOINT_URL"])


def is_future(date_text):
    """Whether an API date lies in the emulator's future."""
    when = datetime.datetime.fromisoformat(date_text)
    return when > emulator_now_from_env()


def is_past_or_now(date_text):
    """Whether an API date is not in the emulator's future."""
    when = datetime.datetime.fromisoformat(date_text)
    return when <= emulator_now_from_env() + datetime.timedelta(seconds=5)
