//! The shapes of values `levelup.yaml` hands to other tools: an e-mail address,
//! a URL, a CODEOWNERS owner, a PromQL expression. Each check answers "would the
//! tool that receives this value accept it", cheaply and offline; none of them
//! resolves a name or asks a server.

/// `local@domain.tld`: what cert-manager passes to the ACME server as the account's
/// contact. The domain needs a dot and DNS-shaped labels; the local part anything
/// printable but `@` and whitespace.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '@' && c != '<' && c != '>')
        && domain.contains('.')
        && domain.split('.').all(is_host_label)
}

fn is_host_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// An absolute `https://` (or `http://`) URL with a host: what a controller
/// dials. Anything else (a bare host, a path, another scheme) is refused.
pub fn is_http_url(value: &str) -> bool {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Ok(uri) = value.parse::<http::Uri>() else {
        return false;
    };
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let host_ok = uri.host().is_some_and(|host| {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        !host.is_empty() && (host.contains(':') || host.split('.').all(is_host_label))
    });
    scheme_ok && host_ok
}

/// A CODEOWNERS owner as GitHub reads one: `@user` or `@org/team`.
///
/// A user or organisation name is 1-39 letters, digits and single `-`, neither
/// first nor last; a team's slug is letters, digits, `-` and `_`.
pub fn is_owner(value: &str) -> bool {
    let Some(name) = value.strip_prefix('@') else {
        return false;
    };
    match name.split_once('/') {
        None => is_github_login(name),
        Some((org, team)) => {
            is_github_login(org)
                && !team.is_empty()
                && team.len() <= 100
                && team
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
    }
}

fn is_github_login(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 39
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Why a PromQL expression cannot be one, or `None` when it may be.
///
/// Not a PromQL parser: it catches what a person typing YAML gets wrong (an empty
/// value, an unclosed quote or bracket), which Prometheus would only report when
/// the first analysis of a rollout runs.
pub fn promql_problem(expression: &str) -> Option<String> {
    if expression.trim().is_empty() {
        return Some("the expression is empty".to_string());
    }
    let mut open: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in expression.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '{' | '[' => open.push(c),
            ')' | '}' | ']' => {
                let expected = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                match open.pop() {
                    Some(opened) if opened == expected => {}
                    Some(opened) => return Some(format!("`{c}` cannot close `{opened}`")),
                    None => return Some(format!("`{c}` closes nothing that is open")),
                }
            }
            _ => {}
        }
    }
    if let Some(q) = quote {
        return Some(format!("a string opened with {q} is not closed"));
    }
    open.last().map(|c| format!("`{c}` is not closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses() {
        for good in ["platform@acme.io", "team+certs@mail.acme.co.uk", "a@b.c"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "platform",
            "@acme.io",
            "platform@",
            "platform@acme",
            "plat form@acme.io",
            "platform@acme..io",
            "platform@-acme.io",
            "Platform <platform@acme.io>",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for good in [
            "https://vault.vault.svc.cluster.local:8200",
            "https://acme-v02.api.letsencrypt.org/directory",
            "https://acme.vault.azure.net/",
            "http://10.0.0.1:8200",
            "https://[::1]:8200",
        ] {
            assert!(is_http_url(good), "{good}");
        }
        for bad in [
            "",
            "vault.example.com",
            "vault.example.com:8200",
            "ftp://vault.example.com",
            "https://",
            "https:///path",
            "https://vault example.com",
            "https://-bad.example.com",
            "/directory",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn codeowners_owners() {
        for good in ["@alice", "@acme/platform-team", "@a-b/c_d", "@Acme/SRE"] {
            assert!(is_owner(good), "{good}");
        }
        for bad in [
            "",
            "alice",
            "@",
            "@-alice",
            "@alice-",
            "@al--ice",
            "@acme/",
            "@/team",
            "@acme/platform/team",
            "@acme/platform team",
            "alice@acme.io",
            "@this-login-is-far-too-long-for-github-accounts",
        ] {
            assert!(!is_owner(bad), "{bad}");
        }
    }

    #[test]
    fn promql_expressions() {
        for good in [
            "http_requests_errors_ratio",
            r#"sum(rate(http_requests_total{job="web",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="web"}[5m]))"#,
            r#"rate(x{path="/a(b"}[1m])"#,
            r#"rate(x{path="say \"(\""}[1m])"#,
        ] {
            assert_eq!(promql_problem(good), None, "{good}");
        }
        for (bad, problem) in [
            ("", "the expression is empty"),
            ("  ", "the expression is empty"),
            ("sum(rate(x[5m])", "`(` is not closed"),
            ("rate(x[5m]))", "`)` closes nothing that is open"),
            (
                "rate(x{job=\"web})",
                "a string opened with \" is not closed",
            ),
            ("rate(x{job=\"web\"][5m])", "`]` cannot close `{`"),
        ] {
            assert_eq!(promql_problem(bad).as_deref(), Some(problem), "{bad}");
        }
    }
}
