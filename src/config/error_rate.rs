//! Each application's error rate: the PromQL expression the analysis of
//! progressive delivery (Argo Rollouts AnalysisTemplate, Flagger MetricTemplate)
//! compares with a threshold. It evaluates to the share of failed requests, 0 to 1.

use serde_saphyr::Spanned;

use super::shapes::promql_problem;
use super::{Checker, line};

/// The share of HTTP 5xx responses over five minutes, from the
/// `http_requests_total` counter most HTTP instrumentation libraries export,
/// for the Prometheus job named after the application (its Service).
pub fn default_error_rate(application: &str) -> String {
    share_of_5xx(&format!("job=\"{application}\""), "5m")
}

/// The share of failed requests of a canary's pods alone, which Flagger's analysis
/// reads: the default's series narrowed to the Service `<application>-canary` that
/// Flagger creates, in the Canary's namespace and over the analysis interval (Flagger
/// fills in `{{ namespace }}` and `{{ interval }}` when it runs the query). The whole
/// application's rate would dilute a failing canary with the primary's traffic.
pub fn default_canary_error_rate(application: &str) -> String {
    share_of_5xx(
        &format!(
            "job=\"{application}\",service=\"{application}-canary\",namespace=\"{{{{ namespace }}}}\""
        ),
        "{{ interval }}",
    )
}

/// The share of the `http_requests_total` series matching `series` that answered 5xx,
/// as a rate over `window`.
fn share_of_5xx(series: &str, window: &str) -> String {
    format!(
        "sum(rate(http_requests_total{{{series},code=~\"5..\"}}[{window}])) / sum(rate(http_requests_total{{{series}}}[{window}]))"
    )
}

/// What Flagger's analysis reads: the expression as written when there is one (the
/// user chose what to measure), the canary's own default otherwise.
pub(super) fn canary(application: &str, given: Option<&Spanned<String>>) -> String {
    given.map_or_else(
        || default_canary_error_rate(application),
        |given| given.value.clone(),
    )
}

/// The expression as written, checked; the default when it is left out.
pub(super) fn check(
    check: &mut Checker<'_>,
    key: &str,
    application: &str,
    given: Option<&Spanned<String>>,
) -> String {
    let Some(given) = given else {
        return default_error_rate(application);
    };
    if let Some(problem) = promql_problem(&given.value) {
        check.report(
            &format!("{key}.error_rate"),
            line(given),
            format!("`{}` is not a PromQL expression: {problem}", given.value),
            "write the share of failed requests, such as `sum(rate(http_requests_total{job=\"shop\",code=~\"5..\"}[5m])) / sum(rate(http_requests_total{job=\"shop\"}[5m]))`, or leave it out for that default",
        );
    }
    given.value.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_a_well_formed_expression_for_the_application() {
        let expression = default_error_rate("shop");
        assert_eq!(promql_problem(&expression), None);
        assert_eq!(
            expression,
            r#"sum(rate(http_requests_total{job="shop",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="shop"}[5m]))"#
        );
    }

    #[test]
    fn the_canary_default_reads_the_canary_service_in_flaggers_namespace_and_interval() {
        assert_eq!(
            default_canary_error_rate("shop"),
            r#"sum(rate(http_requests_total{job="shop",service="shop-canary",namespace="{{ namespace }}",code=~"5.."}[{{ interval }}])) / sum(rate(http_requests_total{job="shop",service="shop-canary",namespace="{{ namespace }}"}[{{ interval }}]))"#
        );
    }
}
