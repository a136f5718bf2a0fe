use domain::account::{Permission, ProjectRole, Role, allowed};

// Columns: admin, maintainer, triager, collaborator, reporter.
#[rustfmt::skip]
const MATRIX: &[(Permission, [u8; 5])] = {
    use Permission::*;
    &[
        //                 adm mnt tri col rep
        (ReadReports,     [1,  1,  1,  0,  0]),
        (ActOnReports,    [1,  1,  1,  0,  0]),
        (EditPolicy,      [1,  1,  0,  0,  0]),
        (ReadReport,      [1,  1,  1,  1,  1]),
        (ReadInternal,    [1,  1,  1,  1,  0]),
        (Comment,         [1,  1,  1,  0,  1]),
        (CommentInternal, [1,  1,  1,  1,  0]),
        (Transition,      [1,  1,  1,  0,  0]),
        (Withdraw,        [1,  1,  1,  0,  1]),
        (Disclose,        [1,  1,  0,  0,  0]),
        (Score,           [1,  1,  1,  1,  0]),
        (Invite,          [1,  1,  0,  0,  0]),
        (ManageMembers,   [1,  1,  0,  0,  0]),
        (ReadAudit,       [1,  1,  1,  0,  0]),
        (ExtendDeadline,  [1,  1,  0,  0,  0]),
    ]
};

const ROLES: [Role; 5] = [
    Role::Admin,
    Role::Maintainer,
    Role::Triager,
    Role::Collaborator,
    Role::Reporter,
];

#[test]
fn full_matrix() {
    assert_eq!(MATRIX.len(), Permission::ALL.len());
    for p in Permission::ALL {
        assert!(
            MATRIX.iter().any(|(q, _)| *q == p),
            "{p:?} missing from the matrix"
        );
    }
    for (permission, row) in MATRIX {
        for (role, expected) in ROLES.into_iter().zip(row) {
            assert_eq!(
                role.allows(*permission),
                *expected == 1,
                "{} {}",
                role.as_str(),
                permission.as_str()
            );
        }
    }
}

#[test]
fn the_project_level_check_agrees() {
    // allowed(is_admin, project role, permission): the server's existing entry point.
    for (permission, row) in MATRIX {
        let [admin, maintainer, triager, _, _] = *row;
        assert_eq!(allowed(true, None, *permission), admin == 1);
        assert_eq!(
            allowed(true, Some(ProjectRole::Triager), *permission),
            admin == 1
        );
        assert_eq!(
            allowed(false, Some(ProjectRole::Maintainer), *permission),
            maintainer == 1
        );
        assert_eq!(
            allowed(false, Some(ProjectRole::Triager), *permission),
            triager == 1
        );
        assert!(!allowed(false, None, *permission), "{permission:?}");
    }
}

#[test]
fn roles_resolve_strongest_first() {
    use ProjectRole::*;
    let cases = [
        // (admin, project role, collaborator, reporter) -> role
        ((true, None, false, false), Some(Role::Admin)),
        ((true, Some(Triager), true, true), Some(Role::Admin)),
        (
            (false, Some(Maintainer), true, true),
            Some(Role::Maintainer),
        ),
        ((false, Some(Triager), true, false), Some(Role::Triager)),
        ((false, None, true, true), Some(Role::Collaborator)),
        ((false, None, false, true), Some(Role::Reporter)),
        ((false, None, false, false), None),
    ];
    for ((admin, role, collab, reporter), expected) in cases {
        assert_eq!(Role::resolve(admin, role, collab, reporter), expected);
    }
}
