//! The roadmap as markdown: grouped by level, then dimension, each step with its checklist.

use std::fmt::Write;

use crate::model::{DimensionIndex, Language, Level};
use crate::plan::Plan;

pub fn markdown(plan: &Plan<'_>, language: &Language) -> String {
    let pack = plan.pack;
    let mut out = String::new();
    let target = pack.level(plan.request.to);
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        out,
        "# Roadmap to level {} ({})\n",
        plan.request.to,
        target.name.get(language)
    );
    let _ = writeln!(
        out,
        "{} {} · from {} · {} {}\n",
        pack.model.name,
        version_label(&pack.model.version),
        describe_from(plan, language),
        plan.steps.len(),
        if plan.steps.len() == 1 {
            "step"
        } else {
            "steps"
        }
    );
    if let Some(only) = plan.request.dimension {
        let _ = writeln!(
            out,
            "Limited to the {} dimension.\n",
            pack.dimension(only).name.get(language)
        );
    }
    if !plan.prerequisites.is_empty() {
        let _ = writeln!(
            out,
            "Prerequisites in other dimensions, not included here:\n"
        );
        for step in &plan.prerequisites {
            let _ = writeln!(
                out,
                "- `{}` (level {}, {}): {}",
                step.id,
                step.level,
                pack.dimension(step.dimension).name.get(language),
                step.title.get(language)
            );
        }
        out.push('\n');
    }

    let mut current: Option<(Level, DimensionIndex)> = None;
    for planned in &plan.steps {
        let step = planned.step;
        if current.map(|(level, _)| level) != Some(step.level) {
            let info = pack.level(step.level);
            let _ = writeln!(out, "## {}\n", info.title.get(language));
            let _ = writeln!(out, "{}\n", info.description.get(language));
            current = None;
        }
        if current != Some((step.level, step.dimension)) {
            let _ = writeln!(
                out,
                "### {}\n",
                pack.dimension(step.dimension).name.get(language)
            );
            current = Some((step.level, step.dimension));
        }
        let topic = pack.topic(step);
        let _ = writeln!(out, "#### {}\n", step.title.get(language));
        let _ = write!(out, "`{}` · {}", step.id, topic.name.get(language));
        if !planned.open_needs.is_empty() {
            let needs: Vec<String> = planned
                .open_needs
                .iter()
                .map(|needed| format!("`{}`", needed.id))
                .collect();
            let _ = write!(out, " · needs {}", needs.join(", "));
        }
        let _ = writeln!(out, "\n");
        let _ = writeln!(out, "{}\n", step.summary.get(language).trim());
        for item in &step.done_when {
            let _ = writeln!(out, "- [ ] {}", item.get(language).trim());
        }
        let reference = pack.reference(step);
        let _ = writeln!(
            out,
            "\nModel: {} level {}, {}, {}\n",
            version_label(&reference.version),
            reference.level,
            reference.dimension,
            reference.topic
        );
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn version_label(version: &str) -> String {
    if version.starts_with('v') {
        version.to_string()
    } else {
        format!("v{version}")
    }
}

/// "level 2 (Operate)" when every dimension is at the same level, otherwise each.
fn describe_from(plan: &Plan<'_>, language: &Language) -> String {
    let pack = plan.pack;
    let levels: Vec<_> = pack
        .dimension_indices()
        .map(|index| plan.request.baseline(index))
        .collect();
    let describe = |baseline: crate::model::Baseline| match Level::new(baseline.number()) {
        Some(level) => format!("level {} ({})", level, pack.level(level).name.get(language)),
        None => "level 0 (nothing in place)".to_string(),
    };
    if levels.windows(2).all(|pair| pair[0] == pair[1]) {
        return describe(levels.first().copied().unwrap_or_default());
    }
    pack.dimension_indices()
        .map(|index| {
            format!(
                "{} {}",
                pack.dimension(index).name.get(language),
                plan.request.baseline(index)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
