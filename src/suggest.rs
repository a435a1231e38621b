//! "Did you mean" suggestions for misspelt names, by edit distance.

/// The candidate closest to `input`, if it is close enough to be a likely typo.
///
/// Comparison ignores case. Distance is strsim's optimal string alignment:
/// inserting, deleting, replacing or swapping two neighbours each cost one, so
/// "jsno" is one from "json". "Close enough" is at most a third of the input's
/// length in edits (and at least one), so short inputs do not match everything.
pub fn nearest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let input = input.to_lowercase();
    let limit = (input.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = strsim::osa_distance(&input, &candidate.to_lowercase());
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(nearest("jsno", ["json", "yaml"]), Some("json"));
        assert_eq!(nearest("Ymal", ["json", "yaml"]), Some("yaml"));
    }

    #[test]
    fn suggests_the_closest_candidate() {
        let names = ["technology", "policy", "process", "people"];
        assert_eq!(nearest("tehcnology", names), Some("technology"));
        assert_eq!(nearest("Polcy", names), Some("policy"));
    }

    #[test]
    fn does_not_suggest_something_unrelated() {
        assert_eq!(nearest("xyz", ["technology", "policy"]), None);
        // Three edits in a nine-letter word is the most that still suggests.
        assert_eq!(nearest("kitten", ["sitting"]), None);
    }
}
