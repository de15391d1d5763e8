//! `slretire plan`: resolve manifests and print what apply would do.

use crate::cli::{PlanArgs, PlanFormat};
use crate::commands::{EXIT_CHANGES, EXIT_FAILURE, EXIT_OK, Term};
use crate::plan::{self, model::Plan};

use super::connection::overrides;
use super::planning::{load_manifests, make_plan};
use crate::output_file;
use crate::pipeline::Session;

pub(crate) fn run(args: &PlanArgs, term: &Term) -> anyhow::Result<i32> {
    let Some(manifests) = load_manifests(&args.paths, term) else {
        return Ok(EXIT_FAILURE);
    };
    let session = Session::open(
        &overrides(&args.connection),
        args.snapshot.as_deref(),
        &manifests.kinds(),
    )?;
    let mut plan = make_plan(
        &session,
        &manifests,
        args.journal.as_deref(),
        &args.target,
        args.progress,
        term,
    )?;
    if let Some(key) = super::apply::plan_key()? {
        plan.signature = Some(crate::plan::verify::sign(&plan, &key));
    }
    // The file first: it is what apply needs, and a closed stdout (`| head`)
    // or a full disk under it must not cost the reviewed plan.
    let saved = match &args.out {
        Some(out) if plan.errors.is_empty() => {
            // Never over a manifest or the snapshot this plan was made from.
            let mut inputs: Vec<&std::path::Path> =
                manifests.files.iter().map(std::path::Path::new).collect();
            inputs.extend(args.snapshot.as_deref());
            output_file::write_text(out, &plan::render_json(&plan), &inputs)?;
            Some(out)
        }
        _ => None,
    };
    term.out(&render(&plan, args.format, term.stdout_color))?;
    if let Some(out) = saved {
        term.say(&format!(
            "Saved the plan to {} (digest {}). Apply it with: slretire apply {}\n",
            out.display(),
            plan.digest,
            out.display()
        ));
    } else if let Some(out) = &args.out {
        term.error(&format!(
            "the plan failed its guards; {} was not written",
            out.display()
        ));
    }
    Ok(exit_code(&plan, args.detailed_exitcode))
}

/// Renders a plan in the chosen format.
pub(crate) fn render(plan: &Plan, format: PlanFormat, color: bool) -> String {
    match format {
        PlanFormat::Text => plan::render_text::render(plan, color),
        PlanFormat::Json => plan::render_json(plan),
        PlanFormat::Markdown => plan::render_markdown::render(plan),
    }
}

/// 1 for failed guards; with `--detailed-exitcode`, 2 when there is
/// something to cancel (as terraform's plan).
fn exit_code(plan: &Plan, detailed: bool) -> i32 {
    if !plan.errors.is_empty() {
        EXIT_FAILURE
    } else if detailed && plan.summary.cancel > 0 {
        EXIT_CHANGES
    } else {
        EXIT_OK
    }
}
