//! The embedded pack against the model's own text: every `###` topic heading of
//! each level in `shared/reference/cnmm/v4/en/level-N.md` has a step at that level,
//! in that dimension and topic.
//!
//! The text lives outside the repository (`../shared`, or `LEVELUP_MODEL_TEXT`).
//! Without it the test says so and passes, except under `CI=true`, where it fails.

use std::path::PathBuf;

use levelup::model::{Level, Pack};

fn model_text_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LEVELUP_MODEL_TEXT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/cnmm/v4/en")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!("the model's text is not at `{}`", dir.display());
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("warning: {message}; skipping the coverage check against it");
    None
}

/// `(dimension heading, topic heading)` pairs of one level's text.
fn headings(text: &str) -> Vec<(String, String)> {
    let clean = |heading: &str| {
        let without_icon = match heading.find("</i>") {
            Some(end) => &heading[end + 4..],
            None => heading,
        };
        without_icon.replace("**", "").trim().to_string()
    };
    let mut dimension = String::new();
    let mut found = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            dimension = clean(heading);
        } else if let Some(heading) = line.strip_prefix("### ") {
            found.push((dimension.clone(), clean(heading)));
        }
    }
    found
}

fn has_step(pack: &Pack, level: Level, dimension: &str, heading: &str) -> Result<(), String> {
    let index = pack
        .find_dimension(dimension)
        .ok_or_else(|| format!("no dimension for `{dimension}`"))?;
    let topics = &pack.dimension(index).topics;
    let topic = topics
        .iter()
        .position(|topic| {
            topic.name.default_text() == heading || topic.headings.iter().any(|h| h == heading)
        })
        .ok_or_else(|| format!("no topic of `{dimension}` is named `{heading}`"))?;
    pack.steps
        .iter()
        .any(|step| step.level == level && step.dimension == index && step.topic == topic)
        .then_some(())
        .ok_or_else(|| format!("no step at level {level} for `{dimension}` / `{heading}`"))
}

#[test]
fn every_topic_heading_of_the_model_has_a_step_at_its_level() {
    let Some(dir) = model_text_dir() else { return };
    let pack = levelup::content::load_from(None, None).expect("the embedded pack loads");
    let mut missing = Vec::new();
    let mut checked = 0;
    for level in Level::all() {
        let path = dir.join(format!("level-{level}.md"));
        let text = std::fs::read_to_string(&path).expect("the model's level text is readable");
        for (dimension, heading) in headings(&text) {
            checked += 1;
            if let Err(problem) = has_step(&pack, level, &dimension, &heading) {
                missing.push(format!("level-{level}.md: {problem}"));
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} headings found: has the text's format changed?"
    );
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn business_outcomes_have_goals_and_cost_steps_at_every_level() {
    let pack = levelup::content::load_from(None, None).expect("the embedded pack loads");
    for level in Level::all() {
        for topic in ["Goals and KPIs", "Cost"] {
            assert_eq!(has_step(&pack, level, "Business Outcomes", topic), Ok(()));
        }
    }
}

#[test]
fn headings_are_read_without_icons_and_emphasis() {
    let text = "## <i class=\"fas fa-building\"></i> Business Outcomes\n\n### **Cost**\n\n## People\n### Culture\n";
    assert_eq!(
        headings(text),
        [
            ("Business Outcomes".to_string(), "Cost".to_string()),
            ("People".to_string(), "Culture".to_string())
        ]
    );
}

/// Lowercase words of a text, for comparing wording.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// levelup's texts are its own: no title, summary or checklist item shares a run
/// of eight words with the model's text.
#[test]
fn no_step_repeats_eight_words_of_the_model() {
    const RUN: usize = 8;
    let Some(dir) = model_text_dir() else { return };
    let mut model_runs = std::collections::HashSet::new();
    for folder in [dir.clone(), dir.join("aspects")] {
        for entry in std::fs::read_dir(&folder).expect("model text folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|extension| extension == "md") {
                let text = std::fs::read_to_string(&path).expect("model text");
                let words = words(&text);
                model_runs.extend(words.windows(RUN).map(|run| run.join(" ")));
            }
        }
    }
    let pack = levelup::content::load_from(None, None).expect("the embedded pack loads");
    let mut copied = Vec::new();
    for step in &pack.steps {
        let texts = std::iter::once(&step.title)
            .chain(std::iter::once(&step.summary))
            .chain(&step.done_when);
        for text in texts.flat_map(|text| text.all()) {
            if let Some(run) = words(text)
                .windows(RUN)
                .map(|run| run.join(" "))
                .find(|run| model_runs.contains(run))
            {
                copied.push(format!("{}: \"{run}\"", step.id));
            }
        }
    }
    assert!(
        copied.is_empty(),
        "wording copied from the model: {copied:#?}"
    );
}
