//! Issue bodies: generated text, a hidden marker with the step id and hashes of
//! the generated body, title and milestone, and the rules that tell a ticked
//! checkbox from a human edit.

use crate::tree::sha256_hex;

const MARKER_START: &str = "<!-- levelup:";

/// The step id and hashes a levelup issue carries. Markers written before the
/// title and milestone were hashed have `None` there: for those, levelup cannot
/// tell a person's change from its own and compares with what it wants instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub step: String,
    pub hash: String,
    pub title: Option<String>,
    pub milestone: Option<String>,
}

/// `text` followed by the marker line for `step`, with the generated `title`
/// and `milestone` hashed into it.
pub fn with_marker(step: &str, text: &str, title: &str, milestone: &str) -> String {
    let text = text.trim_end();
    format!(
        "{text}\n\n{MARKER_START}step={step} hash={} title={} milestone={} -->\n",
        body_hash(text),
        short_hash(title),
        short_hash(milestone)
    )
}

/// The marker of a body, if levelup wrote one.
pub fn marker(body: &str) -> Option<Marker> {
    let line = body
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with(MARKER_START))?;
    let inner = line
        .trim()
        .strip_prefix(MARKER_START)?
        .strip_suffix("-->")?
        .trim();
    let mut step = None;
    let mut hash = None;
    let mut title = None;
    let mut milestone = None;
    for part in inner.split_whitespace() {
        if let Some(value) = part.strip_prefix("step=") {
            step = Some(value.to_string());
        } else if let Some(value) = part.strip_prefix("hash=") {
            hash = Some(value.to_string());
        } else if let Some(value) = part.strip_prefix("title=") {
            title = Some(value.to_string());
        } else if let Some(value) = part.strip_prefix("milestone=") {
            milestone = Some(value.to_string());
        }
    }
    Some(Marker {
        step: step?,
        hash: hash?,
        title,
        milestone,
    })
}

/// The hash levelup keeps of a title or milestone title.
pub fn short_hash(text: &str) -> String {
    sha256_hex(text.trim().as_bytes())[..16].to_string()
}

/// The body without its marker line.
pub fn without_marker(body: &str) -> String {
    body.lines()
        .filter(|line| !line.trim_start().starts_with(MARKER_START))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// Hash of a body's text with every checkbox unticked and line endings unified:
/// ticking a task is progress, not an edit.
pub fn body_hash(text: &str) -> String {
    let normalized: Vec<String> = text
        .replace("\r\n", "\n")
        .trim_end()
        .lines()
        .map(untick)
        .collect();
    sha256_hex(normalized.join("\n").as_bytes())[..16].to_string()
}

/// Whether someone changed the body since levelup wrote it (ticks aside).
pub fn edited_by_a_human(body: &str) -> bool {
    match marker(body) {
        Some(marker) => body_hash(&without_marker(body)) != marker.hash,
        None => true,
    }
}

/// `new` with the boxes ticked that were ticked in `old` for the same item text.
pub fn carry_ticks(old: &str, new: &str) -> String {
    let ticked: std::collections::HashSet<String> = old
        .lines()
        .filter_map(|line| {
            task(line)
                .filter(|(done, _)| *done)
                .map(|(_, text)| text.to_string())
        })
        .collect();
    let mut out: Vec<String> = new
        .lines()
        .map(|line| match task(line) {
            Some((false, text)) if ticked.contains(text) => line.replacen("- [ ]", "- [x]", 1),
            _ => line.to_string(),
        })
        .collect();
    if new.ends_with('\n') {
        out.push(String::new());
    }
    out.join("\n")
}

/// A task-list line: whether it is ticked, and its text.
fn task(line: &str) -> Option<(bool, &str)> {
    let trimmed = line.trim_start();
    for (prefix, done) in [("- [ ] ", false), ("- [x] ", true), ("- [X] ", true)] {
        if let Some(text) = trimmed.strip_prefix(prefix) {
            return Some((done, text.trim_end()));
        }
    }
    None
}

fn untick(line: &str) -> String {
    match task(line) {
        Some((true, _)) => line
            .replacen("- [x]", "- [ ]", 1)
            .replacen("- [X]", "- [ ]", 1),
        _ => line.trim_end().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Scan in CI.\n\n**Done when**\n\n- [ ] a scan runs\n- [ ] findings upload";

    fn with_marker(step: &str, text: &str) -> String {
        super::with_marker(step, text, "A title", "Level 2: Operate")
    }

    #[test]
    fn the_marker_round_trips() {
        let body = with_marker("process.security.ci-scanning", TEXT);
        let found = marker(&body).expect("marker");
        assert_eq!(found.step, "process.security.ci-scanning");
        assert_eq!(found.hash, body_hash(TEXT));
        assert_eq!(found.title, Some(short_hash("A title")));
        assert_eq!(found.milestone, Some(short_hash("Level 2: Operate")));
        assert_eq!(without_marker(&body), TEXT);
        assert!(!edited_by_a_human(&body));
    }

    #[test]
    fn old_markers_without_title_and_milestone_still_read() {
        let body = format!(
            "{TEXT}\n\n<!-- levelup:step=s.t.x hash={} -->\n",
            body_hash(TEXT)
        );
        let found = marker(&body).expect("marker");
        assert_eq!((found.title, found.milestone), (None, None));
        assert!(!edited_by_a_human(&body));
    }

    #[test]
    fn ticking_a_box_is_not_an_edit() {
        let body = with_marker("s.t.x", TEXT).replace("- [ ] a scan runs", "- [x] a scan runs");
        assert!(!edited_by_a_human(&body));
        assert_eq!(body_hash(&without_marker(&body)), body_hash(TEXT));
    }

    #[test]
    fn changing_the_text_is_an_edit() {
        let body = with_marker("s.t.x", TEXT).replace("Scan in CI.", "Scan in CI, weekly.");
        assert!(edited_by_a_human(&body));
        assert!(edited_by_a_human("a body with no marker"));
    }

    #[test]
    fn ticks_survive_an_update_for_items_that_remain() {
        let old = "- [x] a scan runs\n- [x] gone item\n- [ ] findings upload\n";
        let new = "- [ ] a scan runs\n- [ ] findings upload\n- [ ] a new item\n";
        assert_eq!(
            carry_ticks(old, new),
            "- [x] a scan runs\n- [ ] findings upload\n- [ ] a new item\n"
        );
    }
}
