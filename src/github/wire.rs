//! The fields levelup reads from GitHub's responses, as typed structs. A field
//! levelup needs and GitHub did not send is a decode error naming the request,
//! never a default (a pull request without `number` must not become PR #0).
//! Unknown fields are ignored: GitHub adds fields to its responses.

use serde::Deserialize;
use serde::de::IgnoredAny;

/// A label (`GET /repos/{owner}/{repo}/labels`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Label {
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

/// A milestone (`GET /repos/{owner}/{repo}/milestones`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Milestone {
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
}

/// An issue, or a pull request seen through the issues endpoint (`pull_request` set).
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub labels: Vec<IssueLabel>,
    pub milestone: Option<MilestoneTitle>,
    #[serde(default)]
    pub pull_request: Option<IgnoredAny>,
}

/// A label on an issue: an object with a name, or (in older answers) the bare name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum IssueLabel {
    Named { name: String },
    Bare(String),
}

impl IssueLabel {
    pub fn name(&self) -> &str {
        match self {
            IssueLabel::Named { name } | IssueLabel::Bare(name) => name,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MilestoneTitle {
    pub title: String,
}

/// A pull request (`GET /repos/{owner}/{repo}/pulls`).
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub html_url: String,
    pub title: String,
    pub body: Option<String>,
    pub head: Head,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Head {
    #[serde(rename = "ref")]
    pub branch: String,
}

/// A repository (`GET /repos/{owner}/{repo}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub default_branch: String,
}

/// GitHub's error body: a message and, for a 422, what was wrong with which field.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<ErrorDetail>,
}

/// One entry of `errors`: an object with a `code`, or (for some endpoints) text.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorDetail {
    Coded {
        #[serde(default)]
        code: Option<String>,
    },
    Text(String),
}

impl ErrorBody {
    /// The error body of a response, or an empty one when it is not GitHub's shape.
    pub fn parse(text: &str) -> ErrorBody {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The `errors[].code` values.
    pub fn codes(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter_map(|detail| match detail {
                ErrorDetail::Coded { code } => code.clone(),
                ErrorDetail::Text(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_request_without_a_number_does_not_decode() {
        let text = r#"{"html_url": "https://github.com/a/b/pull/1", "title": "t", "body": null, "head": {"ref": "x"}}"#;
        let error = serde_json::from_str::<PullRequest>(text).expect_err("no number");
        assert!(error.to_string().contains("`number`"), "{error}");
    }

    #[test]
    fn issue_labels_may_be_objects_or_names() {
        let text = r#"{"number": 3, "title": "t", "body": null, "state": "open",
            "labels": [{"name": "levelup", "color": "fff"}, "triage"], "milestone": null}"#;
        let issue: Issue = serde_json::from_str(text).expect("decodes");
        let names: Vec<&str> = issue.labels.iter().map(IssueLabel::name).collect();
        assert_eq!(names, ["levelup", "triage"]);
        assert!(issue.pull_request.is_none());
    }

    #[test]
    fn error_codes_are_read_from_either_shape() {
        let body = ErrorBody::parse(
            r#"{"message": "Validation Failed", "errors": [{"resource": "Label", "code": "already_exists"}, "text"]}"#,
        );
        assert_eq!(body.codes(), ["already_exists"]);
        assert!(ErrorBody::parse("<html>").codes().is_empty());
    }
}
