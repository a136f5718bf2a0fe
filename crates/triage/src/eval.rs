//! Evaluation of the triage against labelled reports: the confusion matrix, precision and
//! recall per label, the two rates the triage is judged by, and the same figures per project
//! (leave-one-project-out). Pure: the caller reads the corpus and passes its text; the
//! expected labels are the corpus's (maintainers' public verdicts), never computed here.
//!
//! **One definition of "flagged"**, used by every figure here, the CLI and the tests: a
//! report is *flagged* when its label is anything but `valid` — `ai_slop`, `beg_bounty`,
//! `non_qualifying` or `duplicate`. The label is what a maintainer reads ("not a security
//! issue"), so the label, not the verdict, decides; counting `duplicate` too keeps the
//! valid-flagged rate on the strict side (a real report set aside as a duplicate is set aside
//! all the same). A *junk* report is one whose expected label is not `valid`.
//!
//! - **valid flagged** = flagged valid reports / valid reports (target ≤ [`VALID_FLAGGED_MAX`]);
//! - **flagged recall** = flagged junk reports / junk reports (target ≥ [`FLAGGED_RECALL_MIN`]).
//!
//! **Leave-one-project-out.** The rules have no training step, so holding a project out
//! changes nothing in them: what remains is to report the figures of each project's reports
//! on their own, with their mean and the worst project beside the pooled figures. Rules
//! that only fit one project show as one good row among bad ones.
//!
//! The corpus format is JSON Lines, one report per line: `label` (required, one of
//! [`Label::as_str`]), `text` or `description` (required), and optionally `id`, `project`,
//! `title` and whatever else [`crate::parse_input`] reads; other fields (`source`, `notes`)
//! are ignored.

use crate::{
    Context, Fingerprint, History, Label, PastReport, Policy, Report, SourceIndex, Triage, Verdict,
    parse_input,
};
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::collections::BTreeMap;

/// The most valid flagged the triage may give (the issue's target).
pub const VALID_FLAGGED_MAX: f64 = 0.05;
/// The least flagged recall the triage may give (the issue's target).
pub const FLAGGED_RECALL_MIN: f64 = 0.9;

/// One line of a labelled corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelledReport {
    /// The line of the corpus it was read from (1-based).
    pub line: usize,
    /// The item's `id`, or `line N` when it has none.
    pub id: String,
    /// The item's `project` (empty when it has none).
    pub project: String,
    /// The label the corpus gives it.
    pub expected: Label,
    pub report: Report,
}

/// A line of a corpus that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CorpusError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// Parses a labelled corpus (JSON Lines). Blank lines are skipped (and still counted);
/// every bad line is reported, with its number.
pub fn parse_corpus(text: &str) -> Result<Vec<LabelledReport>, Vec<CorpusError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut items: Vec<LabelledReport> = Vec::new();
    let mut errors = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match parse_line(raw, line) {
            Ok(item) => {
                if let Some(first) = ids.get(&item.id) {
                    errors.push(CorpusError {
                        line,
                        message: format!("id {:?} was already used on line {first}", item.id),
                    });
                    continue;
                }
                ids.insert(item.id.clone(), line);
                items.push(item);
            }
            Err(message) => errors.push(CorpusError { line, message }),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

fn parse_line(raw: &str, line: usize) -> Result<LabelledReport, String> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| format!("not a JSON object: {e}"))?;
    let Some(object) = value.as_object() else {
        return Err("not a JSON object".into());
    };
    let string = |key: &str| -> Result<Option<String>, String> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{key}` is not a string")),
        }
    };
    let label = string("label")?.ok_or("no `label`")?;
    let expected = Label::parse(label.trim()).ok_or_else(|| {
        format!(
            "unknown label {label:?} (one of {})",
            Label::ALL.map(Label::as_str).join(", ")
        )
    })?;
    let id = string("id")?
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("line {line}"));
    let project = string("project")?.unwrap_or_default().trim().to_owned();
    let submission = match parse_input(raw) {
        Ok(mut subs) if subs.len() == 1 => subs.remove(0),
        Ok(_) => return Err("not one JSON report object".into()),
        Err(crate::InputError::NoText { .. }) => {
            return Err("the report has neither `text` nor `description`".into());
        }
        Err(e) => return Err(e.to_string()),
    };
    Ok(LabelledReport {
        line,
        id,
        project,
        expected,
        report: submission.report,
    })
}

/// What the triage gave one labelled report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prediction {
    pub id: String,
    pub project: String,
    pub expected: Label,
    /// The triage's label.
    pub label: Label,
    pub verdict: Verdict,
}

impl Prediction {
    /// Whether the triage flagged it (any label but `valid`).
    pub fn flagged(&self) -> bool {
        is_flagged(self.label)
    }
}

/// The one definition of "flagged": any label but `valid`.
pub fn is_flagged(label: Label) -> bool {
    label != Label::Valid
}

/// What the triage of one corpus item is given besides its report.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    pub policy: &'a Policy,
    pub sources: &'a [SourceIndex],
}

/// Triages the items in order as arrivals on one instance: each sees the fingerprints of
/// the ones before it (with no outcome), so sprayed texts and near-duplicates show as they
/// would in a server. `setup` gives each item its policy and sources; its project name is
/// the item's `project` (none when empty). Arrival times are one day apart from a fixed
/// instant, so the result depends on the items alone.
pub fn run<'a>(
    items: &[LabelledReport],
    mut setup: impl FnMut(&LabelledReport) -> Setup<'a>,
) -> Vec<(Prediction, Triage)> {
    let mut history = History::default();
    let start = jiff::Timestamp::from_second(1_700_000_000).unwrap_or_default();
    let mut out = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let Setup { policy, sources } = setup(item);
        let ctx = Context {
            policy,
            project_name: (!item.project.is_empty()).then_some(item.project.as_str()),
            sources,
            history: &history,
            now: None,
        };
        let result = crate::triage(&item.report, &ctx);
        out.push((
            Prediction {
                id: item.id.clone(),
                project: item.project.clone(),
                expected: item.expected,
                label: result.label,
                verdict: result.verdict,
            },
            result,
        ));
        history.reports.push(PastReport {
            reference: format!("{}#{}", item.project, n + 1),
            project: item.project.clone(),
            received_at: start + jiff::SignedDuration::from_hours(24 * n as i64),
            reporter: item.report.reporter.clone(),
            fingerprint: Fingerprint::of(&item.report.title, &item.report.text),
            outcome: crate::Outcome::Open,
        });
    }
    out
}

/// `num / den`, kept as counts so a reader sees how many reports a rate rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ratio {
    pub num: usize,
    pub den: usize,
}

impl Ratio {
    /// The rate, or `None` when nothing was counted.
    pub fn value(self) -> Option<f64> {
        (self.den > 0).then(|| self.num as f64 / self.den as f64)
    }
}

impl Serialize for Ratio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Ratio", 3)?;
        st.serialize_field("num", &self.num)?;
        st.serialize_field("den", &self.den)?;
        st.serialize_field("value", &self.value())?;
        st.end()
    }
}

fn index(label: Label) -> usize {
    Label::ALL.iter().position(|l| *l == label).unwrap_or(0)
}

/// Counts of (expected, given) label pairs; rows and columns in [`Label::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Confusion {
    /// `counts[expected][given]`.
    pub counts: [[usize; 5]; 5],
}

impl Confusion {
    pub fn add(&mut self, expected: Label, given: Label) {
        self.counts[index(expected)][index(given)] += 1;
    }

    pub fn get(&self, expected: Label, given: Label) -> usize {
        self.counts[index(expected)][index(given)]
    }

    /// Reports the corpus gives `label`.
    pub fn expected(&self, label: Label) -> usize {
        self.counts[index(label)].iter().sum()
    }

    /// Reports the triage gives `label`.
    pub fn given(&self, label: Label) -> usize {
        self.counts.iter().map(|row| row[index(label)]).sum()
    }
}

/// Precision and recall of one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LabelFigures {
    pub label: Label,
    /// Reports the corpus gives this label.
    pub expected: usize,
    /// Reports the triage gives this label.
    pub given: usize,
    /// Reports both give this label.
    pub correct: usize,
    /// correct / given.
    pub precision: Ratio,
    /// correct / expected.
    pub recall: Ratio,
}

/// The figures of a set of predictions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub reports: usize,
    pub confusion: Confusion,
    /// One entry per label, in [`Label::ALL`] order.
    pub per_label: Vec<LabelFigures>,
    /// Flagged valid reports / valid reports.
    pub valid_flagged: Ratio,
    /// Flagged junk reports / junk reports.
    pub flagged_recall: Ratio,
    /// Reports given their expected label / reports.
    pub correct: Ratio,
}

impl Figures {
    pub fn of(predictions: &[Prediction]) -> Self {
        let mut confusion = Confusion::default();
        for p in predictions {
            confusion.add(p.expected, p.label);
        }
        let per_label = Label::ALL
            .into_iter()
            .map(|label| {
                let correct = confusion.get(label, label);
                let expected = confusion.expected(label);
                let given = confusion.given(label);
                LabelFigures {
                    label,
                    expected,
                    given,
                    correct,
                    precision: Ratio {
                        num: correct,
                        den: given,
                    },
                    recall: Ratio {
                        num: correct,
                        den: expected,
                    },
                }
            })
            .collect();
        let count = |f: &dyn Fn(&Prediction) -> bool| predictions.iter().filter(|p| f(p)).count();
        let valid = |p: &Prediction| p.expected == Label::Valid;
        Self {
            reports: predictions.len(),
            confusion,
            per_label,
            valid_flagged: Ratio {
                num: count(&|p| valid(p) && p.flagged()),
                den: count(&valid),
            },
            flagged_recall: Ratio {
                num: count(&|p| !valid(p) && p.flagged()),
                den: count(&|p| !valid(p)),
            },
            correct: Ratio {
                num: count(&|p| p.expected == p.label),
                den: predictions.len(),
            },
        }
    }

    /// The figures of one label.
    pub fn label(&self, label: Label) -> &LabelFigures {
        &self.per_label[index(label)]
    }

    /// Whether the two rates meet the targets (a rate with nothing to count meets them).
    pub fn meets_targets(&self) -> bool {
        self.valid_flagged
            .value()
            .is_none_or(|v| v <= VALID_FLAGGED_MAX)
            && self
                .flagged_recall
                .value()
                .is_none_or(|r| r >= FLAGGED_RECALL_MIN)
    }
}

/// The figures of one project's reports, held out on their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectFigures {
    /// The corpus's `project` (empty when the items name none).
    pub project: String,
    pub figures: Figures,
}

/// A rate of one project, for the worst-project lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectRate {
    pub project: String,
    pub rate: f64,
}

/// The pooled figures and the leave-one-project-out ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Every report together.
    pub overall: Figures,
    /// Each project's reports on their own, by project name.
    pub projects: Vec<ProjectFigures>,
    /// Mean of the projects' valid-flagged rates (projects with valid reports only).
    pub mean_valid_flagged: Option<f64>,
    /// Mean of the projects' flagged recalls (projects with junk reports only).
    pub mean_flagged_recall: Option<f64>,
    /// The project with the highest valid-flagged rate (first by name on ties).
    pub worst_valid_flagged: Option<ProjectRate>,
    /// The project with the lowest flagged recall (first by name on ties).
    pub worst_flagged_recall: Option<ProjectRate>,
}

/// Computes every figure of a set of predictions.
pub fn evaluate(predictions: &[Prediction]) -> Evaluation {
    let mut groups: BTreeMap<&str, Vec<Prediction>> = BTreeMap::new();
    for p in predictions {
        groups.entry(&p.project).or_default().push(p.clone());
    }
    let projects: Vec<ProjectFigures> = groups
        .into_iter()
        .map(|(project, preds)| ProjectFigures {
            project: project.to_owned(),
            figures: Figures::of(&preds),
        })
        .collect();
    let rates = |pick: fn(&Figures) -> Ratio| -> Vec<ProjectRate> {
        projects
            .iter()
            .filter_map(|p| {
                pick(&p.figures).value().map(|rate| ProjectRate {
                    project: p.project.clone(),
                    rate,
                })
            })
            .collect()
    };
    let mean = |rs: &[ProjectRate]| {
        (!rs.is_empty()).then(|| rs.iter().map(|r| r.rate).sum::<f64>() / rs.len() as f64)
    };
    let flagged = rates(|f| f.valid_flagged);
    let recall = rates(|f| f.flagged_recall);
    let worst_valid_flagged = flagged
        .iter()
        .fold(None::<&ProjectRate>, |acc, r| match acc {
            Some(a) if a.rate >= r.rate => Some(a),
            _ => Some(r),
        })
        .cloned();
    let worst_flagged_recall = recall
        .iter()
        .fold(None::<&ProjectRate>, |acc, r| match acc {
            Some(a) if a.rate <= r.rate => Some(a),
            _ => Some(r),
        })
        .cloned();
    Evaluation {
        overall: Figures::of(predictions),
        mean_valid_flagged: mean(&flagged),
        mean_flagged_recall: mean(&recall),
        worst_valid_flagged,
        worst_flagged_recall,
        projects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    fn p(id: &str, project: &str, expected: Label, label: Label) -> Prediction {
        Prediction {
            id: id.into(),
            project: project.into(),
            expected,
            label,
            verdict: Verdict::NeedsReview,
        }
    }

    /// Eight predictions over two projects; every expected value below was counted by hand.
    fn eight() -> Vec<Prediction> {
        vec![
            p("a", "p1", Valid, Valid),
            p("b", "p1", Valid, NonQualifying),
            p("c", "p1", AiSlop, AiSlop),
            p("d", "p1", AiSlop, Valid),
            p("e", "p2", BegBounty, BegBounty),
            p("f", "p2", NonQualifying, AiSlop),
            p("g", "p2", Valid, Valid),
            p("h", "p2", NonQualifying, Duplicate),
        ]
    }

    fn r(num: usize, den: usize) -> Ratio {
        Ratio { num, den }
    }

    #[test]
    fn confusion_matrix_counts_expected_rows_and_given_columns() {
        let f = Figures::of(&eight());
        assert_eq!(f.reports, 8);
        assert_eq!(
            f.confusion.counts,
            [
                // given: valid, ai_slop, beg_bounty, non_qualifying, duplicate
                [2, 0, 0, 1, 0], // valid: a, g; b
                [1, 1, 0, 0, 0], // ai_slop: d; c
                [0, 0, 1, 0, 0], // beg_bounty: e
                [0, 1, 0, 0, 1], // non_qualifying: f; h
                [0, 0, 0, 0, 0], // duplicate
            ]
        );
    }

    #[test]
    fn precision_and_recall_per_label() {
        let f = Figures::of(&eight());
        // valid: given to a, d, g; right for a, g; expected for a, b, g.
        let v = f.label(Valid);
        assert_eq!((v.expected, v.given, v.correct), (3, 3, 2));
        assert_eq!((v.precision, v.recall), (r(2, 3), r(2, 3)));
        // ai_slop: given to c, f; right for c; expected for c, d.
        assert_eq!(
            (f.label(AiSlop).precision, f.label(AiSlop).recall),
            (r(1, 2), r(1, 2))
        );
        assert_eq!(
            (f.label(BegBounty).precision, f.label(BegBounty).recall),
            (r(1, 1), r(1, 1))
        );
        // non_qualifying: given to b only (wrong); expected for f, h.
        let nq = f.label(NonQualifying);
        assert_eq!((nq.precision, nq.recall), (r(0, 1), r(0, 2)));
        assert_eq!(nq.precision.value(), Some(0.0));
        // duplicate: given to h (wrong), expected for none: recall undefined.
        let d = f.label(Duplicate);
        assert_eq!((d.precision, d.recall), (r(0, 1), r(0, 0)));
        assert_eq!(d.recall.value(), None);
        assert!((v.precision.value().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn valid_flagged_and_flagged_recall_count_any_label_but_valid() {
        let f = Figures::of(&eight());
        // valid a, b, g: b flagged.
        assert_eq!(f.valid_flagged, r(1, 3));
        // junk c, d, e, f, h: all but d flagged — f with the wrong junk label, h as a
        // duplicate, both still flagged.
        assert_eq!(f.flagged_recall, r(4, 5));
        assert_eq!(f.correct, r(4, 8));
        assert!(!f.meets_targets());
        assert!(is_flagged(Duplicate) && is_flagged(NonQualifying) && !is_flagged(Valid));
    }

    #[test]
    fn leave_one_project_out_rows_mean_and_worst() {
        let e = evaluate(&eight());
        assert_eq!(e.overall, Figures::of(&eight()));
        let names: Vec<_> = e.projects.iter().map(|p| p.project.as_str()).collect();
        assert_eq!(names, ["p1", "p2"]);
        let (p1, p2) = (&e.projects[0].figures, &e.projects[1].figures);
        // p1: valid a, b (b flagged); junk c, d (c flagged).
        assert_eq!(
            (p1.reports, p1.valid_flagged, p1.flagged_recall),
            (4, r(1, 2), r(1, 2))
        );
        // p2: valid g (not flagged); junk e, f, h (all flagged).
        assert_eq!(
            (p2.reports, p2.valid_flagged, p2.flagged_recall),
            (4, r(0, 1), r(3, 3))
        );
        assert_eq!(p2.confusion.get(NonQualifying, Duplicate), 1);
        // means: (1/2 + 0) / 2 and (1/2 + 1) / 2.
        assert_eq!(e.mean_valid_flagged, Some(0.25));
        assert_eq!(e.mean_flagged_recall, Some(0.75));
        let worst = |x: &Option<ProjectRate>| x.as_ref().map(|w| (w.project.clone(), w.rate));
        assert_eq!(worst(&e.worst_valid_flagged), Some(("p1".into(), 0.5)));
        assert_eq!(worst(&e.worst_flagged_recall), Some(("p1".into(), 0.5)));
    }

    #[test]
    fn a_project_without_valid_reports_stays_out_of_the_valid_flagged_mean() {
        let mut preds = eight();
        preds.push(p("i", "p3", BegBounty, Valid));
        let e = evaluate(&preds);
        let p3 = &e.projects[2];
        assert_eq!(p3.project, "p3");
        assert_eq!(p3.figures.valid_flagged, r(0, 0));
        assert_eq!(p3.figures.flagged_recall, r(0, 1));
        // valid flagged: still the mean of p1 and p2; recall: (1/2 + 1 + 0) / 3.
        assert_eq!(e.mean_valid_flagged, Some(0.25));
        assert_eq!(e.mean_flagged_recall, Some(0.5));
        assert_eq!(
            e.worst_flagged_recall.map(|w| (w.project, w.rate)),
            Some(("p3".into(), 0.0))
        );
        assert_eq!(e.overall.flagged_recall, r(4, 6));
    }

    #[test]
    fn the_targets_are_five_percent_and_nine_tenths() {
        // 1 valid in 20 flagged (5%) and 9 junk in 10 caught (0.9): exactly on both targets.
        let mut preds: Vec<_> = (0..20)
            .map(|i| {
                p(
                    &format!("v{i}"),
                    "x",
                    Valid,
                    if i == 0 { AiSlop } else { Valid },
                )
            })
            .collect();
        preds.extend((0..10).map(|i| {
            p(
                &format!("j{i}"),
                "x",
                AiSlop,
                if i == 0 { Valid } else { AiSlop },
            )
        }));
        assert!(Figures::of(&preds).meets_targets());
        preds[1].label = BegBounty; // 2 in 20: 10%
        assert!(!Figures::of(&preds).meets_targets());
        preds[1].label = Valid;
        preds[21].label = Valid; // 8 in 10
        assert!(!Figures::of(&preds).meets_targets());
        assert!(Figures::of(&[]).meets_targets());
        assert_eq!(Figures::of(&[]).valid_flagged.value(), None);
    }

    #[test]
    fn ratio_serialises_with_its_value() {
        let v = serde_json::to_value(r(1, 4)).unwrap();
        assert_eq!(v, serde_json::json!({"num": 1, "den": 4, "value": 0.25}));
        let v = serde_json::to_value(r(0, 0)).unwrap();
        assert_eq!(v["value"], serde_json::Value::Null);
    }

    #[test]
    fn corpus_lines_are_read_with_their_numbers() {
        let text = "\u{feff}{\"id\":\"a\",\"label\":\"valid\",\"project\":\"p\",\"title\":\"T\",\"text\":\"body\",\"source\":\"https://x\",\"notes\":\"n\"}\n\n{\"label\":\"ai_slop\",\"description\":\"d\"}\n";
        let items = parse_corpus(text).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].line, items[0].id.as_str()), (1, "a"));
        assert_eq!(items[0].project, "p");
        assert_eq!(items[0].expected, Valid);
        assert_eq!(items[0].report.title, "T");
        assert_eq!(items[0].report.text, "body");
        // No id: named after its line; no project: empty.
        assert_eq!((items[1].line, items[1].id.as_str()), (3, "line 3"));
        assert_eq!((items[1].project.as_str(), items[1].expected), ("", AiSlop));
        assert_eq!(parse_corpus("\n \n"), Ok(vec![]));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = [
            r#"{"id":"a","label":"valid","text":"ok"}"#,
            r#"{"id":"b","label":"valid","text":"ok""#,
            r#"{"id":"c","label":"spam","text":"x"}"#,
            r#"{"id":"d","text":"no label"}"#,
            r#"{"id":"e","label":"valid","title":"no text"}"#,
            r#"{"id":"a","label":"valid","text":"again"}"#,
            r#"["not","an","object"]"#,
            r#"{"id":"g","label":3,"text":"x"}"#,
        ]
        .join("\n");
        let errors = parse_corpus(&text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8]);
        assert!(
            errors[0].message.starts_with("not a JSON object"),
            "{errors:?}"
        );
        assert!(
            errors[1].message.contains("unknown label \"spam\""),
            "{errors:?}"
        );
        assert_eq!(errors[2].message, "no `label`");
        assert!(
            errors[3]
                .message
                .contains("neither `text` nor `description`")
        );
        assert_eq!(errors[4].message, "id \"a\" was already used on line 1");
        assert_eq!(errors[6].message, "`label` is not a string");
        assert_eq!(
            errors[0].to_string(),
            format!("line 2: {}", errors[0].message)
        );
    }

    #[test]
    fn run_triages_in_order_with_the_items_labels_and_projects() {
        let policy = Policy::default();
        let items = parse_corpus(concat!(
            r#"{"id":"one","label":"beg_bounty","project":"alpha","text":"Is there a bounty? I found a critical bug in your website; pay first and I send details."}"#,
            "\n",
            r#"{"id":"two","label":"valid","project":"","text":"Heap overflow in parse_header() when the length field is 0xffffffff."}"#,
        ))
        .unwrap();
        let mut seen = Vec::new();
        let out = run(&items, |item| {
            seen.push(item.id.clone());
            Setup {
                policy: &policy,
                sources: &[],
            }
        });
        assert_eq!(seen, ["one", "two"]);
        let ids: Vec<_> = out.iter().map(|(p, _)| p.id.as_str()).collect();
        assert_eq!(ids, ["one", "two"]);
        assert_eq!(out[0].0.expected, BegBounty);
        assert_eq!(out[1].0.expected, Valid);
        assert_eq!(out[0].0.project, "alpha");
        // The first arrival sees an empty instance: as if triaged alone with its project.
        let history = History::default();
        let alone = crate::triage(
            &items[0].report,
            &Context {
                project_name: Some("alpha"),
                ..Context::new(&policy, &history)
            },
        );
        // (The scores are sums in hash order, so compare what they decide, not their bits.)
        assert_eq!(out[0].1.findings, alone.findings);
        assert_eq!(
            (out[0].0.label, out[0].0.verdict),
            (alone.label, alone.verdict)
        );
    }
}
