//! Demo staff for `--demo`: positions in every demo unit, about 200 people
//! with realistic Vietnamese names, grades, steps and dates, and a 2026–2030
//! streamlining plan for each district. Generated from a fixed seed, so every
//! demo database holds the same people; loading twice changes nothing.

use chrono::{Datelike, Months, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::domain::{self, Gender};
use super::scope::Scope;
use super::service::{self, NewPosition, NewStaff};
use crate::accounts::domain::Role;
use crate::accounts::{service as accounts, store as account_store};
use crate::audit::Actor;
use crate::org_units;
use crate::plans::domain::Action;
use crate::plans::service::{self as plans, NewPlan, NewProposal, Target};
use crate::state::AppState;
use crate::web::CurrentUser;
use crate::web::i18n::Locale;

const SEED: u64 = 20_260_101;

/// The approver of the districts' plans: personnel of the province.
pub const APPROVER: &str = "demo.personnel.tinh";

/// (unit code, title, group, grade, approved headcount)
const POSITIONS: &[(&str, &str, &str, &str, i32)] = &[
    ("TINH", "Chánh Văn phòng", "leadership", "A2.1", 1),
    ("TINH", "Phó Chánh Văn phòng", "leadership", "A2.1", 2),
    ("TINH", "Chuyên viên tổng hợp", "professional", "A1", 17),
    ("TINH", "Văn thư - lưu trữ", "support", "B", 4),
    ("SNV", "Giám đốc Sở", "leadership", "A3.1", 1),
    ("SNV", "Phó Giám đốc Sở", "leadership", "A2.1", 3),
    (
        "SNV",
        "Chuyên viên chính tổ chức biên chế",
        "professional",
        "A2.1",
        6,
    ),
    (
        "SNV",
        "Chuyên viên tổ chức biên chế",
        "professional",
        "A1",
        16,
    ),
    (
        "SNV",
        "Chuyên viên thi đua khen thưởng",
        "professional",
        "A1",
        10,
    ),
    ("SNV", "Kế toán", "support", "A0", 3),
    ("SNV", "Văn thư", "support", "B", 4),
    ("STC", "Giám đốc Sở", "leadership", "A3.1", 1),
    ("STC", "Phó Giám đốc Sở", "leadership", "A2.1", 3),
    (
        "STC",
        "Chuyên viên chính quản lý ngân sách",
        "professional",
        "A2.1",
        5,
    ),
    (
        "STC",
        "Chuyên viên quản lý ngân sách",
        "professional",
        "A1",
        18,
    ),
    ("STC", "Kế toán viên", "professional", "A0", 6),
    ("STC", "Nhân viên hành chính", "support", "B", 4),
    (
        "HA",
        "Chánh Văn phòng HĐND và UBND",
        "leadership",
        "A2.1",
        1,
    ),
    ("HA", "Chuyên viên tổng hợp", "professional", "A1", 14),
    ("HA", "Chuyên viên địa chính", "professional", "A1", 8),
    ("HA", "Văn thư", "support", "B", 3),
    ("HA-PNV", "Trưởng phòng Nội vụ", "leadership", "A2.1", 1),
    ("HA-PNV", "Chuyên viên nội vụ", "professional", "A1", 9),
    (
        "HB",
        "Chánh Văn phòng HĐND và UBND",
        "leadership",
        "A2.1",
        1,
    ),
    ("HB", "Chuyên viên tổng hợp", "professional", "A1", 15),
    ("HB", "Chuyên viên địa chính", "professional", "A1", 9),
    ("HB", "Văn thư", "support", "B", 3),
    ("HB-PNV", "Trưởng phòng Nội vụ", "leadership", "A2.1", 1),
    ("HB-PNV", "Chuyên viên nội vụ", "professional", "A1", 9),
];

const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan",
    "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công", "Xuân", "Đình",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị",
    "Thị",
    "Thị",
    "Thu",
    "Ngọc",
    "Thanh",
    "Thị Minh",
    "Hồng",
    "Thị Thu",
    "Kim",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Khánh", "Long", "Nam", "Phong", "Quang", "Sơn",
    "Thắng", "Tuấn", "Việt", "Hoàng", "Trung", "Hiếu", "Đạt", "Toàn",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Hà", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Nhung", "Phương", "Thảo",
    "Trang", "Yến", "Vân", "Huyền", "Dung", "Giang", "Quyên", "Thủy",
];

/// One generated person, before the database gives ids.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPerson {
    pub position: usize,
    pub full_name: String,
    pub gender: Gender,
    pub born: NaiveDate,
    pub national_id: String,
    pub hired: NaiveDate,
    pub step: i32,
    pub last_step_raise: Option<NaiveDate>,
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// The demo people, a pure function of the seed. Dates are generated against
/// 1 January 2026 so that no one has passed retirement age by then.
pub fn people(seed: u64) -> Vec<DemoPerson> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let reference = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let mut out = Vec::new();
    for (index, (_, title, _, grade, headcount)) in POSITIONS.iter().enumerate() {
        // Units run a little over or under their quota, as real ones do.
        let filled = if *headcount <= 1 {
            1
        } else {
            (headcount + rng.random_range(-1..=2)).max(0)
        };
        let (steps, interval) = match *grade {
            "A3.1" => (6, 36),
            "A2.1" => (8, 36),
            "A1" => (9, 36),
            "A0" => (10, 36),
            _ => (12, 24),
        };
        let senior = title.starts_with("Giám đốc")
            || title.starts_with("Chánh")
            || title.starts_with("Trưởng")
            || title.contains("chính");
        for _ in 0..filled {
            let gender = if rng.random_bool(0.52) {
                Gender::Female
            } else {
                Gender::Male
            };
            let full_name = match gender {
                Gender::Male => format!(
                    "{} {} {}",
                    pick(&mut rng, FAMILY),
                    pick(&mut rng, MIDDLE_MALE),
                    pick(&mut rng, GIVEN_MALE)
                ),
                Gender::Female => format!(
                    "{} {} {}",
                    pick(&mut rng, FAMILY),
                    pick(&mut rng, MIDDLE_FEMALE),
                    pick(&mut rng, GIVEN_FEMALE)
                ),
            };
            let years = if senior { 1964..=1980 } else { 1964..=2000 };
            let mut born = NaiveDate::from_ymd_opt(
                rng.random_range(years),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            )
            .unwrap_or(reference);
            while domain::retirement_date(gender, born).is_some_and(|r| r < reference) {
                born = born.checked_add_months(Months::new(60)).unwrap_or(born);
            }
            let start_age = rng.random_range(22..=30);
            let hired = born
                .checked_add_months(Months::new(start_age * 12 + rng.random_range(0..12)))
                .unwrap_or(born)
                .min(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or(reference));
            let months = domain::whole_months(hired, reference);
            let step = (1 + months / interval).min(steps);
            let last_step_raise = (step > 1).then(|| {
                hired
                    .checked_add_months(Months::new(((step - 1) * interval) as u32))
                    .unwrap_or(hired)
            });
            let serial = out.len() + 1;
            let century = match (gender, born.year() >= 2000) {
                (Gender::Male, false) => 0,
                (Gender::Female, false) => 1,
                (Gender::Male, true) => 2,
                (Gender::Female, true) => 3,
            };
            // Province code 0 + a fictional 9x province, century-gender digit, year, serial.
            let national_id = format!(
                "09{}{century}{:02}{:06}",
                rng.random_range(1..=9),
                born.year() % 100,
                500_000 + serial
            );
            out.push(DemoPerson {
                position: index,
                full_name,
                gender,
                born,
                national_id,
                hired,
                step,
                last_step_raise,
            });
        }
    }
    out
}

pub const DEMO_PLAN_A: &str = "Kế hoạch tinh giản biên chế huyện An Phú 2026–2030";
pub const DEMO_PLAN_B: &str = "Kế hoạch tinh giản biên chế huyện Bình Sơn 2026–2030";
/// Approved, so its recruitment cap limits the demo recruitment campaign.
pub const DEMO_PLAN_SNV: &str = "Kế hoạch tinh giản biên chế Sở Nội vụ 2026–2030";

async fn approver_account(state: &AppState, actor: &Actor) -> anyhow::Result<()> {
    if account_store::find_by_username(&state.db, APPROVER)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let unit = org_units::store::find_by_code(&state.db, "TINH")
        .await?
        .map(|u| u.id);
    let form = accounts::NewAccount {
        username: APPROVER.into(),
        full_name: "Đỗ Thị Phê Duyệt".into(),
        role: Role::Personnel,
        org_unit_id: unit,
        password: Some(crate::demo::DEMO_PASSWORD.into()),
        ..Default::default()
    };
    accounts::create_account(state, actor, &form)
        .await
        .map_err(|e| anyhow::anyhow!("demo account {APPROVER}: {e}"))?;
    Ok(())
}

async fn as_user(state: &AppState, username: &str) -> anyhow::Result<CurrentUser> {
    let u = account_store::find_by_username(&state.db, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {username} missing"))?;
    Ok(CurrentUser {
        id: u.id,
        username: u.username,
        full_name: u.full_name,
        role: Role::parse(&u.role).unwrap_or(Role::Personnel),
        org_unit_id: u.org_unit_id,
        locale: Locale::Vi,
        session_id: String::new(),
        client_addr: "local".into(),
    })
}

pub async fn load(state: &AppState) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    approver_account(state, &actor).await?;
    let Some(snv) = org_units::store::find_by_code(&state.db, "SNV").await? else {
        return Ok(());
    };
    if super::store::positions(&state.db, Some(&[snv.id]))
        .await?
        .is_empty()
    {
        load_staff(state, &actor).await?;
    }
    let existing = crate::plans::store::list(&state.db, None).await?;
    for (title, unit, approve) in [
        (DEMO_PLAN_A, "HA", false),
        (DEMO_PLAN_B, "HB", true),
        (DEMO_PLAN_SNV, "SNV", true),
    ] {
        if !existing.iter().any(|p| p.title == title) {
            load_plan(state, title, unit, approve).await?;
        }
    }
    load_appraisals(state, &actor, snv.id).await?;
    println!(
        "Demo staff: about 200 records, positions in every unit, 2025 appraisals in the Department of Home Affairs, and 2026–2030 streamlining plans for both districts and the department."
    );
    println!("  {APPROVER:<20} personnel  TINH (approves the districts' plans)");
    Ok(())
}

async fn load_staff(state: &AppState, actor: &Actor) -> anyhow::Result<()> {
    let all = Scope::All;
    let mut position_ids = Vec::new();
    for (code, title, group, grade, headcount) in POSITIONS {
        let unit = org_units::store::find_by_code(&state.db, code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo unit {code} missing"))?;
        let p = NewPosition {
            org_unit_id: unit.id,
            title: (*title).into(),
            group: (*group).into(),
            grade: (*grade).into(),
            headcount: *headcount,
        };
        let view = service::create_position(state, actor, &all, &p)
            .await
            .map_err(|e| anyhow::anyhow!("demo position {title}: {e}"))?;
        position_ids.push((unit.id, view.id, *grade));
    }
    for person in people(SEED) {
        let (unit, position, grade) = position_ids[person.position];
        let n = NewStaff {
            full_name: person.full_name.clone(),
            gender: person.gender.as_str().into(),
            date_of_birth: person.born.to_string(),
            national_id: Some(person.national_id.clone()),
            org_unit_id: unit,
            position_id: Some(position),
            employment_type: "civil_servant".into(),
            grade: grade.into(),
            step: person.step,
            coefficient: None,
            last_step_raise: person.last_step_raise.map(|d| d.to_string()),
            hire_date: person.hired.to_string(),
        };
        service::hire(state, actor, &all, &n)
            .await
            .map_err(|e| anyhow::anyhow!("demo staff {}: {e}", person.full_name))?;
    }
    Ok(())
}

/// 2025 appraisals for the department's staff, so the demo promotion
/// campaign's eligible list shows both the eligible and the reasons for
/// exclusion. Deterministic by staff id; skipped for anyone already appraised.
async fn load_appraisals(state: &AppState, actor: &Actor, unit: i32) -> anyhow::Result<()> {
    use super::domain::Rating;
    let filter = super::store::StaffFilter {
        units: Some(vec![unit]),
        status: Some("active".into()),
        ..Default::default()
    };
    let people = super::store::list(&state.db, &filter).await?;
    for p in people {
        if p.last_appraisal_year.is_some() {
            continue;
        }
        let rating = match p.id % 10 {
            0 => Rating::Completed,
            3 => Rating::NotCompleted,
            1 | 6 => Rating::Excellent,
            _ => Rating::Good,
        };
        let n = service::NewEvent {
            kind: "appraisal".into(),
            effective_date: "2025-12-31".into(),
            note: "Đánh giá, xếp loại năm 2025".into(),
            year: Some(2025),
            rating: Some(rating.as_str().into()),
            ..Default::default()
        };
        service::add_event(state, actor, &Scope::All, p.id, &n)
            .await
            .map_err(|err| anyhow::anyhow!("demo appraisal of {}: {err}", p.full_name))?;
    }
    Ok(())
}

async fn load_plan(
    state: &AppState,
    title: &str,
    district: &str,
    approve: bool,
) -> anyhow::Result<()> {
    let owner_name = match district {
        "HA" => "demo.personnel.ha",
        "SNV" => "demo.personnel",
        _ => APPROVER,
    };
    let owner = as_user(state, owner_name).await?;
    let scope = super::scope::of(&state.db, &owner)
        .await
        .map_err(|e| anyhow::anyhow!("demo plan scope: {e}"))?;
    let unit = org_units::store::find_by_code(&state.db, district)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo unit {district} missing"))?;
    let units = org_units::store::subtree_of(&state.db, unit.id).await?;
    let n = NewPlan {
        org_unit_id: unit.id,
        title: title.into(),
        first_year: 2026,
        last_year: 2030,
        unit_ids: units.clone(),
        target_kind: "percent".into(),
        cap_ratio_pct: None,
        payout_rule: None,
    };
    let plan = plans::create(state, &owner.actor(), &scope, &n)
        .await
        .map_err(|e| anyhow::anyhow!("demo plan: {e}"))?;
    let targets: Vec<Target> = units
        .iter()
        .flat_map(|u| {
            (2026..=2030).map(move |year| Target {
                org_unit_id: *u,
                year,
                amount: 200,
            })
        })
        .collect();
    plans::set_targets(state, &owner.actor(), &scope, plan.id, &targets)
        .await
        .map_err(|e| anyhow::anyhow!("demo targets: {e}"))?;
    // Propose the people 2 to 5 years from retirement in 2027–2029, oldest
    // first; the department from 2026, so its cap applies to this year's campaign.
    let first_year = if district == "SNV" { 2026 } else { 2027 };
    let filter = super::store::StaffFilter {
        units: Some(units),
        status: Some("active".into()),
        ..Default::default()
    };
    let mut staff = super::store::list(&state.db, &filter).await?;
    staff.sort_by_key(|s| s.date_of_birth);
    let mut proposed = 0;
    for s in staff.iter().filter(|s| !s.under_review) {
        let Some(retire) =
            Gender::parse(&s.gender).and_then(|g| domain::retirement_date(g, s.date_of_birth))
        else {
            continue;
        };
        let year = first_year + proposed % 3;
        let leave = NaiveDate::from_ymd_opt(year, 7, 1).unwrap_or(retire);
        let early = domain::whole_months(leave, retire);
        if !(24..=60).contains(&early) {
            continue;
        }
        let p = NewProposal {
            staff_id: s.id,
            year,
            category: "reorganisation".into(),
            exit_route: "early_retirement".into(),
            note: "Dôi dư do sắp xếp tổ chức bộ máy".into(),
            ..Default::default()
        };
        plans::propose(state, &owner.actor(), &scope, plan.id, &p)
            .await
            .map_err(|e| anyhow::anyhow!("demo proposal: {e}"))?;
        proposed += 1;
        if proposed == 4 {
            break;
        }
    }
    plans::act(state, &owner, &scope, plan.id, Action::Submit, "")
        .await
        .map_err(|e| anyhow::anyhow!("demo submit: {e}"))?;
    if approve {
        let approver = as_user(state, APPROVER).await?;
        let ascope = super::scope::of(&state.db, &approver)
            .await
            .map_err(|e| anyhow::anyhow!("demo approver scope: {e}"))?;
        plans::act(
            state,
            &approver,
            &ascope,
            plan.id,
            Action::Approve,
            "Thống nhất",
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo approve: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_people_are_the_same_every_time_and_about_two_hundred() {
        let a = people(SEED);
        assert_eq!(a, people(SEED));
        assert!((180..=230).contains(&a.len()), "{} people", a.len());
        let ids: std::collections::HashSet<_> = a.iter().map(|p| &p.national_id).collect();
        assert_eq!(ids.len(), a.len(), "national IDs are unique");
        let reference = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for p in &a {
            assert!(domain::retirement_date(p.gender, p.born).unwrap() >= reference);
            assert!(p.hired < reference && p.step >= 1);
            assert_eq!(p.national_id.len(), 12);
        }
    }
}
