"""slcli cancel commands against the emulator: exit codes, outputs (as
captured in softlayer-wire-protocol.md §6) and their effect on the world."""

import datetime

from harness import Emulator, cdn_mappings, cdn_slcli, find


def date(text):
    return datetime.datetime.fromisoformat(text)


def expect(result, code, output=None, contains=None):
    got_code, got_output = result
    assert got_code == code, f"exit {got_code} (wanted {code}): {got_output}"
    if output is not None:
        assert got_output == output, f"output {got_output!r} (wanted {output!r})"
    if contains is not None:
        assert contains in got_output, f"output {got_output!r} lacks {contains!r}"


def vs_cancel():
    """`vs cancel` deletes the guest at once; it is reclaimed immediately."""
    with Emulator() as emu:
        expect(emu.slcli("-y", "vs", "cancel", "12345679"), 0,
               "The virtual server instance: 12345679 was cancelled.")
        assert find(emu.world(), "virtualGuests", 12345679) is None
        log = [r for r in emu.requests() if r["method_name"] == "deleteObject"]
        assert log[0]["method"] == "GET" and log[0]["status"] == 200, log
        # Cancelling it again: the guest is gone, slcli reports the 404.
        expect(emu.slcli("-y", "vs", "cancel", "12345679"), 1,
               "SoftLayerAPIError(404): Unable to find object with id of '12345679'.")


def hw_cancel():
    """`hw cancel`: monthly on the anniversary with a ticket; hourly
    `--immediate` at once, the server lingering until reclaimed."""
    with Emulator("--reclaim-after", "1h") as emu:
        expect(emu.slcli("-y", "hw", "cancel", "1003"), 0, "")
        world = emu.world()
        server = find(world, "hardware", 1003)
        assert date(server["billingItem"]["cancellationDate"]) > emu.now(), server
        ticket = [t for t in world["tickets"] if {"id": 1003} in t["attachedHardware"]]
        assert len(ticket) == 1, world["tickets"]
        # The ticket blocks a second cancel (client side, from openCancellationTicket).
        expect(emu.slcli("-y", "hw", "cancel", "1003"), 1,
               contains=f"A cancellation ticket already exists for this server. Please refer to ticket {ticket[0]['id']}.")

        expect(emu.slcli("-y", "hw", "cancel", "1002", "--immediate"), 0, "")
        server = find(emu.world(), "hardware", 1002)
        assert date(server["billingItem"]["cancellationDate"]) <= emu.now(), server
        calls = [r for r in emu.requests() if r["method_name"] == "cancelItem"]
        assert calls[-1]["parameters"] == [True, False, "No longer needed", None], calls[-1]
        expect(emu.slcli("-y", "hw", "cancel", "1002"), 1, contains="already exists for this server")

        # --immediate on a monthly server: anniversary plus a ticket update.
        expect(emu.slcli("-y", "hw", "cancel", "1004", "--immediate", "--comment", "bye"), 0)
        world = emu.world()
        ticket = [t for t in world["tickets"] if {"id": 1004} in t["attachedHardware"]][0]
        assert ticket["updates"][-1]["entry"] == "Please reclaim this server ASAP, it is no longer needed. Thankyou.", ticket
        assert date(find(world, "hardware", 1004)["billingItem"]["cancellationDate"]) > emu.now()


def block_volume_cancel():
    """`block volume-cancel --force`: cancelItem(false, true, null)."""
    with Emulator() as emu:
        expect(emu.slcli("block", "volume-cancel", "4471312", "--force"), 0,
               "Block volume with id 4471312 has been marked for cancellation")
        volume = find(emu.world(), "networkStorage", 4471312)
        assert date(volume["billingItem"]["cancellationDate"]) > emu.now(), volume
        calls = [r for r in emu.requests() if r["method_name"] == "cancelItem"]
        assert calls[0]["parameters"] == [False, True, None], calls
        # A second cancel is refused by the API.
        expect(emu.slcli("block", "volume-cancel", "4471312", "--force"), 1,
               "SoftLayerAPIError(500): Unable to cancel: billing item is already cancelled.")


def vlan_cancel():
    """`vlan cancel`: refused with reasons while occupied (exit 2), refused
    for automatic VLANs (exit 2), done for an empty one."""
    with Emulator() as emu:
        code, output = emu.slcli("-y", "vlan", "cancel", "563299")
        assert code == 2, (code, output)
        assert output == "['8 virtual guest(s) still on the VLAN ']", output
        code, output = emu.slcli("-y", "vlan", "cancel", "563300")
        assert code == 2, (code, output)
        assert output == "['8 virtual guest(s) still on the VLAN ', '2 non-primary subnet(s) still on the VLAN ']", output
        expect(emu.slcli("-y", "vlan", "cancel", "563302"), 2,
               "VLAN is an automatically assigned and free of charge VLAN, it will automatically be removed from your account when it is empty")
        expect(emu.slcli("-y", "vlan", "cancel", "563301"), 0, "VLAN 563301 was cancelled.")
        assert find(emu.world(), "networkVlans", 563301) is None
        assert find(emu.world(), "networkVlans", 563299) is not None


def subnet_cancel():
    """`subnet cancel`: cancelService, silent on success."""
    with Emulator() as emu:
        expect(emu.slcli("-y", "subnet", "cancel", "85468"), 0, "")
        assert find(emu.world(), "subnets", 85468) is None
        # A primary subnet has no billing item: slcli refuses.
        expect(emu.slcli("-y", "subnet", "cancel", "85460"), 1, "subnet 85460 can not be cancelled")


def globalip_cancel():
    """`globalip cancel --force`: cancelService, silent on success."""
    with Emulator() as emu:
        expect(emu.slcli("globalip", "cancel", "880618", "--force"), 0, "")
        assert find(emu.world(), "globalIpRecords", 880618) is None


def dedicatedhost_cancel():
    """`dedicatedhost cancel`: refused while guests remain, done when empty."""
    with Emulator() as emu:
        code, output = emu.slcli("-y", "dedicatedhost", "cancel", "4001")
        assert code == 1 and "1 guest(s) still on the host" in output, (code, output)
        expect(emu.slcli("-y", "dedicatedhost", "cancel", "4002"), 0, "Dedicated Host 4002 was cancelled")
        assert find(emu.world(), "dedicatedHosts", 4002) is None


def loadbal_cancel():
    """`loadbal cancel`: DELETE_PENDING, then gone after the reclaim delay."""
    with Emulator("--reclaim-after", "1h") as emu:
        expect(emu.slcli("loadbal", "cancel", "1111111", "--force"), 0, "LB 1111111 canceled succesfully.")
        lb = find(emu.world(), "lbaasLoadBalancers", 1111111)
        assert lb["provisioningStatus"] == "DELETE_PENDING", lb
        code, output = emu.slcli("loadbal", "cancel", "1111111", "--force")
        assert code == 0 and output.startswith("ERROR: ") and "DELETE_PENDING" in output, (code, output)


def list_and_detail():
    """slcli's own list and detail commands: their masks name properties the
    emulator knows but does not model (absent from results), and every call
    they make is answered."""
    runs = [
        (["vs", "list"], ["ci-runner-01", "web-05", "dh-guest-01"]),
        (["vs", "detail", "12345679"], ["ci-runner-02.example.com", "ephemeral, ci", "Hourly"]),
        (["hw", "list"], ["batch-hourly-01", "web-monthly-02"]),
        (["hw", "detail", "1003"], ["web-monthly-02", "Ubuntu", "22.04-64", "Monthly"]),
        (["block", "volume-list"], ["SL01SEL123-1", "SL01SEL123-2"]),
        (["file", "volume-list"], ["SL01SEL123-3"]),
        (["vlan", "list"], ["563299", "fcr01a.dal13.1100", "prod"]),
        (["subnet", "list"], ["85468", "10.0.1.0/28", "staging"]),
        (["globalip", "list"], ["169.1.2.3", "ci-runner-01.example.com"]),
    ]
    with Emulator() as emu:
        for args, wanted in runs:
            code, output = emu.slcli(*args)
            assert code == 0, (args, code, output)
            for text in wanted:
                assert text in output, (args, text, output)
        block = emu.slcli("block", "volume-list")[1]
        assert "SL01SEL123-3" not in block, block
        bad = [r for r in emu.requests() if r["status"] != 200]
        assert not bad, bad
        # Known but unmodelled properties are accepted in the mask and absent.
        masks = [r["query"].get("objectMask", "") for r in emu.requests()
                 if r["method_name"] == "getVirtualGuests"]
        assert any("deviceStatus" in m for m in masks), masks


MAPPING = "SoftLayer_Network_CdnMarketplace_Configuration_Mapping"


def cdn_list_and_delete():
    """slcli 6.2.5 `cdn list` and `cdn delete` against a world with CDN
    Marketplace mappings (the API until 2024-06): the table, the delete
    message, the mapping gone, an unknown uniqueId refused."""
    slcli = cdn_slcli()
    with Emulator(extra={"cdnDomainMappings": cdn_mappings()}) as emu:
        code, output = emu.slcli("cdn", "list", binary=slcli)
        assert code == 0, (code, output)
        for text in ["11223344", "test.example.com", "1.1.1.1", "akamai",
                     "cdnakauuiet7s6u6.cdnedge.bluemix.net", "CNAME_CONFIGURATION",
                     "303727924488685", "www.test.com", "67.228.227.82", "RUNNING"]:
            assert text in output, (text, output)
        expect(emu.slcli("cdn", "delete", "303727924488685", binary=slcli), 0,
               "Cdn with uniqueId: 303727924488685 was deleted.")
        left = [m["uniqueId"] for m in emu.world()["cdnDomainMappings"]]
        assert left == ["11223344"], left
        code, output = emu.slcli("cdn", "list", binary=slcli)
        assert code == 0 and "11223344" in output and "303727924488685" not in output, output
        expect(emu.slcli("cdn", "delete", "999", binary=slcli), 1,
               "SoftLayerAPIError(404): Unable to find object with unique identifier of '999'.")
        calls = [(r["service"], r["method_name"], r["status"]) for r in emu.requests()]
        assert calls == [(MAPPING, "listDomainMappings", 200), (MAPPING, "deleteDomainMapping", 200),
                         (MAPPING, "listDomainMappings", 200), (MAPPING, "deleteDomainMapping", 404)], calls


def cdn_on_todays_api():
    """Without mappings the emulator is today's API: slcli 6.2.5's `cdn`
    commands get "Service does not exist"; 6.2.9's are a deprecation notice
    that calls nothing."""
    with Emulator() as emu:
        for args in (["cdn", "list"], ["cdn", "delete", "11223344"]):
            expect(emu.slcli(*args, binary=cdn_slcli()), 1, "SoftLayerAPIError(404): Service does not exist")
        code, output = emu.slcli("cdn", "list")
        assert code == 0 and "deprecated" in output, (code, output)
        calls = [(r["method_name"], r["status"]) for r in emu.requests()]
        assert calls == [("listDomainMappings", 404), ("deleteDomainMapping", 404)], calls


CHECKS = [vs_cancel, hw_cancel, block_volume_cancel, vlan_cancel, subnet_cancel,
          globalip_cancel, dedicatedhost_cancel, loadbal_cancel, list_and_detail,
          cdn_list_and_delete, cdn_on_todays_api]
