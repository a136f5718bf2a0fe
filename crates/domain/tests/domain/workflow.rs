use domain::{
    ProjectId, ReportId,
    account::Role,
    policy::{NonQualifying, Policy},
    replies::ReplyKey,
    report::{Resolution, State},
    workflow::{
        Action, ReportRef, TransitionError, TransitionRequest, check_duplicate_target,
        check_transition, next_states, next_states_for,
    },
};

/// Columns, in this order, for every table below.
const TO: [State; 8] = [
    State::Received,
    State::Acknowledged,
    State::NeedsInfo,
    State::Accepted,
    State::Fixing,
    State::Fixed,
    State::Disclosed,
    State::Closed,
];

// `Y` allowed, `-` no such transition (or no change), `F` the transition exists but this
// actor may not make it (on the diagonal: an actor who may not take the step is refused
// before being told the report is already in that state). Rows are `from`, columns `to`
// (rcv ack ni acc fxg fxd dis cls).
const MAINTAINER: &str = "
    received      - Y Y Y - - - Y
    acknowledged  - - Y Y - - - Y
    needs_info    - Y - Y - - - Y
    accepted      - - - - Y Y - Y
    fixing        - - - - - Y - Y
    fixed         - - - - Y - Y Y
    disclosed     - - - - - - - -
    closed        - Y - Y - - - -
";
const TRIAGER: &str = "
    received      - Y Y Y - - - Y
    acknowledged  - - Y Y - - - Y
    needs_info    - Y - Y - - - Y
    accepted      - - - - Y Y - Y
    fixing        - - - - - Y - Y
    fixed         - - - - Y - F Y
    disclosed     - - - - - - F -
    closed        - Y - Y - - - -
";
const COLLABORATOR: &str = "
    received      F F F F - - - F
    acknowledged  - F F F - - - F
    needs_info    - F F F - - - F
    accepted      - - - F F F - F
    fixing        - - - - F F - F
    fixed         - - - - F F F F
    disclosed     - - - - - - F -
    closed        - F - F - - - F
";
const REPORTER: &str = "
    received      F F F F - - - Y
    acknowledged  - F F F - - - Y
    needs_info    - F F F - - - Y
    accepted      - - - F F F - F
    fixing        - - - - F F - F
    fixed         - - - - F F F F
    disclosed     - - - - - - F -
    closed        - F - F - - - F
";

// The action of every allowed edge (for maintainers): `ack` acknowledge, `req` request_info,
// `res` resume_triage, `acc` accept, `fix` start_fix, `fxd` mark_fixed, `dis` disclose,
// `cls` close, `reo` reopen.
const ACTIONS: &str = "
    received      -   ack req acc -   -   -   cls
    acknowledged  -   -   req acc -   -   -   cls
    needs_info    -   res -   acc -   -   -   cls
    accepted      -   -   -   -   fix fxd -   cls
    fixing        -   -   -   -   -   fxd -   cls
    fixed         -   -   -   -   fix -   dis cls
    disclosed     -   -   -   -   -   -   -   -
    closed        -   reo -   reo -   -   -   -
";

fn table(text: &str) -> Vec<(State, Vec<&str>)> {
    let rows: Vec<_> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut cells = l.split_whitespace();
            let from = State::parse(cells.next().expect("a state")).expect("a known state");
            let cells: Vec<&str> = cells.collect();
            assert_eq!(cells.len(), 8, "row {l}");
            (from, cells)
        })
        .collect();
    assert_eq!(
        rows.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        State::ALL.to_vec()
    );
    rows
}

fn request(to: State, actor: Role) -> TransitionRequest {
    let mut r = TransitionRequest::to(to);
    if to == State::Closed {
        r.resolution = Some(if actor == Role::Reporter {
            Resolution::Withdrawn
        } else {
            Resolution::NotAVulnerability
        });
    }
    if to == State::NeedsInfo {
        r.message = Some("Which version did you test?".into());
    }
    r
}

#[test]
fn every_from_to_actor_combination() {
    let policy = Policy::default();
    let mut checked = 0;
    for (actor, text) in [
        (Role::Admin, MAINTAINER),
        (Role::Maintainer, MAINTAINER),
        (Role::Triager, TRIAGER),
        (Role::Collaborator, COLLABORATOR),
        (Role::Reporter, REPORTER),
    ] {
        for (from, cells) in table(text) {
            for (to, cell) in TO.into_iter().zip(cells) {
                let got = check_transition(from, &request(to, actor), actor, &policy);
                let what = format!("{actor:?}: {from:?} -> {to:?} = {got:?}");
                match cell {
                    "Y" => {
                        let t = got.expect(&what);
                        assert_eq!((t.from, t.to), (from, to), "{what}");
                    }
                    "F" => {
                        let e = got.expect_err(&what);
                        assert!(matches!(e, TransitionError::Forbidden { .. }), "{what}");
                        assert_eq!((e.field(), e.code()), ("to", "forbidden"), "{what}");
                    }
                    "-" => {
                        let e = got.expect_err(&what);
                        if from == to {
                            assert_eq!(e, TransitionError::Unchanged(from), "{what}");
                            assert_eq!(e.code(), "unchanged");
                        } else {
                            assert_eq!(e, TransitionError::Invalid { from, to }, "{what}");
                            assert_eq!(e.code(), "invalid_transition");
                        }
                        assert_eq!(e.field(), "to", "{what}");
                    }
                    other => panic!("bad cell {other}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8 * 8 * 5);
}

#[test]
fn actions_of_every_edge() {
    let policy = Policy::default();
    for (from, cells) in table(ACTIONS) {
        for (to, cell) in TO.into_iter().zip(cells) {
            let got = check_transition(
                from,
                &request(to, Role::Maintainer),
                Role::Maintainer,
                &policy,
            );
            let expected = match cell {
                "-" => {
                    assert!(got.is_err(), "{from:?} -> {to:?}");
                    continue;
                }
                "ack" => Action::Acknowledge,
                "req" => Action::RequestInfo,
                "res" => Action::ResumeTriage,
                "acc" => Action::Accept,
                "fix" => Action::StartFix,
                "fxd" => Action::MarkFixed,
                "dis" => Action::Disclose,
                "cls" => Action::Close,
                "reo" => Action::Reopen,
                other => panic!("bad cell {other}"),
            };
            let t = got.unwrap_or_else(|e| panic!("{from:?} -> {to:?}: {e}"));
            assert_eq!(t.action, expected, "{from:?} -> {to:?}");
            // Only leaving `received` is the first response.
            assert_eq!(
                t.first_response,
                from == State::Received,
                "{from:?} -> {to:?}"
            );
        }
    }
}

#[test]
fn replies_per_transition() {
    use State::*;
    let policy = Policy::default();
    let cases = [
        (Received, Acknowledged, Some("acknowledged")),
        (Received, NeedsInfo, Some("needs_info")),
        (Acknowledged, Accepted, Some("accepted")),
        (NeedsInfo, Acknowledged, None),
        (Accepted, Fixing, Some("fixing")),
        (Fixed, Fixing, Some("fixing")),
        (Fixing, Fixed, Some("fixed")),
        (Fixed, Disclosed, Some("disclosed")),
        (Closed, Acknowledged, Some("reopened")),
        (Fixing, Closed, Some("closed_not_a_vulnerability")),
    ];
    for (from, to, key) in cases {
        let t = check_transition(
            from,
            &request(to, Role::Maintainer),
            Role::Maintainer,
            &policy,
        )
        .expect("allowed");
        assert_eq!(t.reply.map(ReplyKey::as_str), key, "{from:?} -> {to:?}");
    }
    // The reporter withdrawing gets no reply.
    let t = check_transition(
        Acknowledged,
        &TransitionRequest::close(Resolution::Withdrawn),
        Role::Reporter,
        &policy,
    )
    .expect("allowed");
    assert_eq!((t.action, t.reply), (Action::Withdraw, None));
    assert_eq!(t.resolution, Some(Resolution::Withdrawn));
    // A maintainer recording a withdrawal on the reporter's behalf sends the reply.
    let t = check_transition(
        Fixing,
        &TransitionRequest::close(Resolution::Withdrawn),
        Role::Maintainer,
        &policy,
    )
    .expect("allowed");
    assert_eq!(t.action, Action::Close);
    assert_eq!(t.reply, Some(ReplyKey::Closed(Resolution::Withdrawn)));
}

fn policy_with_classes() -> Policy {
    Policy {
        non_qualifying: vec![
            NonQualifying {
                id: "self-only".into(),
                text: None,
            },
            NonQualifying {
                id: "demo-server".into(),
                text: Some("Anything on demo.example.org, which is reset hourly.".into()),
            },
        ],
        ..Policy::default()
    }
}

fn field_of(
    r: Result<domain::workflow::Transition, TransitionError>,
) -> (&'static str, &'static str) {
    let e = r.expect_err("refused");
    (e.field(), e.code())
}

#[test]
fn every_resolution_and_its_companions() {
    let policy = policy_with_classes();
    let m = Role::Maintainer;
    let from = State::Acknowledged;
    let check = |r: &TransitionRequest| check_transition(from, r, m, &policy);

    for res in [
        Resolution::NotAVulnerability,
        Resolution::Spam,
        Resolution::Withdrawn,
        Resolution::WontFix,
    ] {
        let t = check(&TransitionRequest::close(res)).expect("plain close");
        assert_eq!(t.resolution, Some(res));
        assert_eq!((t.duplicate_of, t.non_qualifying), (None, None));
        // Companions of other resolutions are refused.
        let with_dup = TransitionRequest {
            duplicate_of: Some(ReportRef::Number(3)),
            ..TransitionRequest::close(res)
        };
        assert_eq!(field_of(check(&with_dup)), ("duplicate_of", "invalid"));
        let with_class = TransitionRequest {
            non_qualifying: Some("self-only".into()),
            ..TransitionRequest::close(res)
        };
        assert_eq!(field_of(check(&with_class)), ("non_qualifying", "invalid"));
    }

    // Closing needs a resolution; other transitions refuse one.
    assert_eq!(
        field_of(check(&TransitionRequest::to(State::Closed))),
        ("resolution", "invalid")
    );
    let accept_with_resolution = TransitionRequest {
        resolution: Some(Resolution::Spam),
        ..TransitionRequest::to(State::Accepted)
    };
    assert_eq!(
        field_of(check(&accept_with_resolution)),
        ("resolution", "invalid")
    );
    let accept_with_dup = TransitionRequest {
        duplicate_of: Some(ReportRef::Number(3)),
        ..TransitionRequest::to(State::Accepted)
    };
    assert_eq!(
        field_of(check(&accept_with_dup)),
        ("duplicate_of", "invalid")
    );

    // Duplicate: names the original by number or id.
    assert_eq!(
        field_of(check(&TransitionRequest::close(Resolution::Duplicate))),
        ("duplicate_of", "invalid")
    );
    for bad in [0, -4] {
        let r = TransitionRequest {
            duplicate_of: Some(ReportRef::Number(bad)),
            ..TransitionRequest::close(Resolution::Duplicate)
        };
        assert_eq!(field_of(check(&r)), ("duplicate_of", "invalid"));
    }
    let original = ReportId::new();
    for dup in [ReportRef::Number(12), ReportRef::Id(original)] {
        let r = TransitionRequest {
            duplicate_of: Some(dup),
            ..TransitionRequest::close(Resolution::Duplicate)
        };
        let t = check(&r).expect("duplicate");
        assert_eq!(t.duplicate_of, Some(dup));
        assert_eq!(t.reply, Some(ReplyKey::Closed(Resolution::Duplicate)));
    }

    // Out of scope: names one of the policy's classes, carried in the policy's words.
    assert_eq!(
        field_of(check(&TransitionRequest::close(Resolution::OutOfScope))),
        ("non_qualifying", "invalid")
    );
    let r = |id: &str| TransitionRequest {
        non_qualifying: Some(id.into()),
        ..TransitionRequest::close(Resolution::OutOfScope)
    };
    // `mitm` is a standard class, but this policy does not list it.
    let e = check(&r("mitm")).expect_err("not in the policy");
    assert_eq!(e.field(), "non_qualifying");
    assert!(e.to_string().contains("self-only, demo-server"), "{e}");
    let t = check(&r("demo-server")).expect("listed class");
    let class = t.non_qualifying.expect("carried");
    assert_eq!(
        class.wording(),
        "Anything on demo.example.org, which is reset hourly."
    );
    let t = check(&r("self-only")).expect("listed class");
    assert_eq!(
        t.non_qualifying.expect("carried").wording(),
        "Attacks that only affect the attacker themselves (self-XSS and the like)."
    );
    // A policy without classes cannot close as out of scope.
    let e = check_transition(from, &r("self-only"), m, &Policy::default()).expect_err("no classes");
    assert_eq!(e.field(), "non_qualifying");
}

#[test]
fn reporters_may_only_withdraw() {
    let policy = policy_with_classes();
    for res in Resolution::ALL {
        let got = check_transition(
            State::Received,
            &TransitionRequest::close(res),
            Role::Reporter,
            &policy,
        );
        if res == Resolution::Withdrawn {
            assert!(got.is_ok());
        } else {
            let e = got.expect_err("only withdrawn");
            assert_eq!(
                (e.field(), e.code()),
                ("resolution", "forbidden"),
                "{res:?}"
            );
        }
    }
    // Triagers may close with any resolution, but not disclose.
    let e = check_transition(
        State::Fixed,
        &TransitionRequest::to(State::Disclosed),
        Role::Triager,
        &policy,
    )
    .expect_err("triagers do not disclose");
    assert!(e.to_string().contains("maintainer"), "{e}");
}

#[test]
fn messages() {
    let policy = Policy::default();
    let m = Role::Maintainer;
    let needs = |msg: Option<&str>| TransitionRequest {
        message: msg.map(str::to_owned),
        ..TransitionRequest::to(State::NeedsInfo)
    };
    assert_eq!(
        field_of(check_transition(
            State::Acknowledged,
            &needs(None),
            m,
            &policy
        )),
        ("message", "invalid")
    );
    assert_eq!(
        field_of(check_transition(
            State::Acknowledged,
            &needs(Some("  \n")),
            m,
            &policy
        )),
        ("message", "invalid")
    );
    let t = check_transition(
        State::Acknowledged,
        &needs(Some("  Which version?\n")),
        m,
        &policy,
    )
    .expect("question");
    assert_eq!(t.message.as_deref(), Some("Which version?"));
    let long = "x".repeat(domain::workflow::MAX_MESSAGE + 1);
    assert_eq!(
        field_of(check_transition(
            State::Acknowledged,
            &needs(Some(&long)),
            m,
            &policy
        )),
        ("message", "invalid")
    );
    assert_eq!(
        field_of(check_transition(
            State::Acknowledged,
            &needs(Some("a\0b")),
            m,
            &policy
        )),
        ("message", "invalid")
    );
}

#[test]
fn requests_as_json() {
    let r: TransitionRequest = serde_json::from_str(
        r#"{"to":"closed","resolution":"duplicate","duplicate_of":12,"message":"See #12."}"#,
    )
    .expect("valid JSON");
    assert_eq!(r.to, State::Closed);
    assert_eq!(r.resolution, Some(Resolution::Duplicate));
    assert_eq!(r.duplicate_of, Some(ReportRef::Number(12)));
    let r: TransitionRequest = serde_json::from_str(
        r#"{"to":"closed","resolution":"duplicate","duplicate_of":"0190a5b2-7d6e-7c3a-9f00-0123456789ab"}"#,
    )
    .expect("valid JSON");
    assert_eq!(
        r.duplicate_of,
        Some(ReportRef::Id(
            "0190a5b2-7d6e-7c3a-9f00-0123456789ab"
                .parse()
                .expect("uuid")
        ))
    );
    let r: TransitionRequest = serde_json::from_str(
        r#"{"to":"closed","resolution":"out_of_scope","non_qualifying":"mitm"}"#,
    )
    .expect("valid JSON");
    assert_eq!(r.non_qualifying.as_deref(), Some("mitm"));
    for bad in [
        r#"{"to":"closed","reason":"x"}"#,
        r#"{"to":"done"}"#,
        r#"{"resolution":"spam"}"#,
        r#"{"to":"closed","duplicate_of":"twelve"}"#,
    ] {
        assert!(
            serde_json::from_str::<TransitionRequest>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn duplicate_targets() {
    let this = ReportId::new();
    let other = ReportId::new();
    let project = ProjectId::new();
    let elsewhere = ProjectId::new();
    assert!(check_duplicate_target(this, project, Some((other, project))).is_ok());
    let e = check_duplicate_target(this, project, Some((this, project))).expect_err("itself");
    assert_eq!(e.field(), "duplicate_of");
    let missing = check_duplicate_target(this, project, None).expect_err("missing");
    let foreign =
        check_duplicate_target(this, project, Some((other, elsewhere))).expect_err("foreign");
    // Another project's report is indistinguishable from a missing one.
    assert_eq!(missing, foreign);
}

#[test]
fn next_states_offered() {
    use State::*;
    assert_eq!(
        next_states(Received),
        vec![Acknowledged, NeedsInfo, Accepted, Closed]
    );
    assert_eq!(next_states(Fixed), vec![Fixing, Disclosed, Closed]);
    assert_eq!(next_states(Disclosed), vec![]);
    assert_eq!(next_states(Closed), vec![Acknowledged, Accepted]);
    assert_eq!(next_states_for(Fixed, Role::Triager), vec![Fixing, Closed]);
    assert_eq!(next_states_for(Acknowledged, Role::Reporter), vec![Closed]);
    assert_eq!(next_states_for(Accepted, Role::Reporter), vec![]);
    assert_eq!(next_states_for(Received, Role::Collaborator), vec![]);
}
