//! CPython's own test modules (`python -m test -v <module>`) inside the default forge's
//! composed interpreter: counts, and every skip checked against a list of reasons that are not
//! the cap's fault (WASI's limits, other platforms, a debug build).

use std::collections::BTreeMap;

use libtest_mimic::Failed;

use crate::ensure;

/// Counts from one regrtest run of one test module in verbose mode.
#[derive(Debug, Default)]
pub struct Counts {
    pub run: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Skip reason → how many tests gave it.
    pub reasons: BTreeMap<String, usize>,
}

/// Reads unittest's verbose output: `Ran N tests`, the `OK (skipped=…)`/`FAILED (…)` line, and
/// each `... skipped '<reason>'`.
pub fn parse(stdout: &str) -> Counts {
    let mut c = Counts::default();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("Ran ") {
            c.run += rest.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
        }
        if (line.starts_with("OK") || line.starts_with("FAILED")) && line.contains('(') {
            for part in line[line.find('(').unwrap_or(0) + 1..].trim_end_matches(')').split(", ") {
                let (k, v) = part.split_once('=').unwrap_or(("", "0"));
                let v: usize = v.parse().unwrap_or(0);
                match k {
                    "failures" => c.failures += v,
                    "errors" => c.errors += v,
                    "skipped" => c.skipped += v,
                    _ => {}
                }
            }
        }
        if let Some(i) = line.find("... skipped '").or_else(|| line.find(") ... skipped \"")) {
            let reason = line[i..].split_once("skipped ").map(|(_, r)| r).unwrap_or("");
            let reason = reason.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
            *c.reasons.entry(reason).or_default() += 1;
        }
    }
    c
}

/// Runs CPython's test module `name` in the default forge; asserts it passes, prints its
/// counts, and fails on any skip whose reason contains none of `allowed`'s (reason, why).
pub fn suite(name: &'static str, allowed: &'static [(&'static str, &'static str)]) -> Result<(), Failed> {
    suite_with(name, &[], allowed)
}

/// [`suite`] with more regrtest options before the module (e.g. `-u cpu`).
pub fn suite_with(name: &str, options: &[&str], allowed: &[(&str, &str)]) -> Result<(), Failed> {
    let mut args = vec!["--with-tests", "-m", "test", "-v"];
    args.extend(options);
    args.push(name);
    let out = crate::default_python(&args)?;
    let c = parse(&out.stdout);
    let reasons: Vec<String> = c.reasons.iter().map(|(r, n)| format!("{n}× {r}")).collect();
    println!(
        "\n{name}: run {}, failed {}, errors {}, skipped {} [{}]",
        c.run,
        c.failures,
        c.errors,
        c.skipped,
        reasons.join("; ")
    );
    ensure(out.status == 0 && out.stdout.contains("Result: SUCCESS"), || {
        let failing: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| {
                l.ends_with("... FAIL") || l.ends_with("... ERROR") || l.starts_with("FAIL:") || l.starts_with("ERROR:")
            })
            .collect();
        format!("{name} did not pass:\n{}\n--- stderr tail\n{}", failing.join("\n"), tail(&out.stderr, 40))
    })?;
    ensure(c.run > 0 && c.failures == 0 && c.errors == 0, || format!("{name}: {c:?}"))?;
    let unjustified: Vec<&String> =
        c.reasons.keys().filter(|r| !allowed.iter().any(|(reason, _)| r.contains(reason))).collect();
    ensure(unjustified.is_empty(), || format!("{name}: skips without a listed reason: {unjustified:?}"))?;
    // Every skip in the total must be one whose reason was read: a skip printed some other way
    // would otherwise escape the list.
    let with_reason: usize = c.reasons.values().sum();
    ensure(with_reason == c.skipped, || {
        format!("{name}: {} skipped but {with_reason} skip reasons read: {:?}", c.skipped, c.reasons)
    })
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
