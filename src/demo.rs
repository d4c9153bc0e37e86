//! `merit serve --demo`: a small province with people in every role, so a
//! newcomer sees merit working at once. Loading twice changes nothing.

use crate::accounts::domain::Role;
use crate::accounts::{service, store};
use crate::audit::Actor;
use crate::org_units;
use crate::state::AppState;

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "merit-demo-2026";

/// (code, parent code, name)
const UNITS: &[(&str, Option<&str>, &str)] = &[
    ("TINH", None, "UBND tỉnh Demo"),
    ("SNV", Some("TINH"), "Sở Nội vụ"),
    ("STC", Some("TINH"), "Sở Tài chính"),
    ("HA", Some("TINH"), "UBND huyện An Phú"),
    ("HA-PNV", Some("HA"), "Phòng Nội vụ huyện An Phú"),
    ("HB", Some("TINH"), "UBND huyện Bình Sơn"),
    ("HB-PNV", Some("HB"), "Phòng Nội vụ huyện Bình Sơn"),
];

/// (username, full name, role, unit code)
const ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("demo.admin", "Quản trị Demo", Role::Admin, Some("TINH")),
    (
        "demo.personnel",
        "Trần Thị Nhân Sự",
        Role::Personnel,
        Some("SNV"),
    ),
    (
        "demo.personnel.ha",
        "Lê Văn Tổ Chức",
        Role::Personnel,
        Some("HA"),
    ),
    ("demo.board1", "Nguyễn Văn Hội Đồng", Role::Board, None),
    ("demo.board2", "Phạm Thị Thẩm Định", Role::Board, None),
    (
        "demo.candidate",
        "Hoàng Minh Thí Sinh",
        Role::Candidate,
        None,
    ),
];

pub async fn load(state: &AppState) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    for (code, parent, name) in UNITS {
        if org_units::store::find_by_code(&state.db, code)
            .await?
            .is_some()
        {
            continue;
        }
        let parent_id = match parent {
            Some(p) => org_units::store::find_by_code(&state.db, p)
                .await?
                .map(|u| u.id),
            None => None,
        };
        let form = org_units::routes::NewUnit {
            parent_id,
            code: (*code).into(),
            name: (*name).into(),
        };
        org_units::routes::create(state, &actor, &form)
            .await
            .map_err(|e| anyhow::anyhow!("demo unit {code}: {e}"))?;
    }
    for (username, full_name, role, unit) in ACCOUNTS {
        if store::find_by_username(&state.db, username)
            .await?
            .is_some()
        {
            continue;
        }
        let org_unit_id = match unit {
            Some(code) => org_units::store::find_by_code(&state.db, code)
                .await?
                .map(|u| u.id),
            None => None,
        };
        let form = service::NewAccount {
            username: (*username).into(),
            full_name: (*full_name).into(),
            email: (*role == Role::Candidate).then(|| "thisinh.demo@example.vn".to_owned()),
            role: *role,
            org_unit_id,
            password: Some(DEMO_PASSWORD.into()),
        };
        service::create_account(state, &actor, &form)
            .await
            .map_err(|e| anyhow::anyhow!("demo account {username}: {e}"))?;
    }
    crate::staff::demo::load(state).await?;
    println!("Demo data loaded. Sign in at /sign-in with password {DEMO_PASSWORD:?} as:");
    for (username, _, role, unit) in ACCOUNTS {
        println!(
            "  {username:<20} {:<10} {}",
            role.as_str(),
            unit.unwrap_or("")
        );
    }
    Ok(())
}
