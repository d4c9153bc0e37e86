//! `merit serve --demo`: a small province with people in every role, so a
//! newcomer sees merit working at once. Loading twice changes nothing.

use crate::accounts::domain::Role;
use crate::accounts::{service, store};
use crate::audit::Actor;
use crate::db::BeginWrite;
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

/// The sample banks shipped in `question-banks/`, compiled in so the demo
/// works wherever the binary is.
pub const SAMPLE_BANKS: &[(&str, &str)] = &[
    (
        "kien-thuc-chung.toml",
        include_str!("../question-banks/kien-thuc-chung.toml"),
    ),
    (
        "tin-hoc.toml",
        include_str!("../question-banks/tin-hoc.toml"),
    ),
    (
        "tieng-anh.toml",
        include_str!("../question-banks/tieng-anh.toml"),
    ),
];

/// Board members of every sample bank.
const SAMPLE_BANK_MEMBERS: &[&str] = &["demo.board1", "demo.board2"];

/// Imports the sample banks with their statuses (the demo may approve) and
/// makes the demo board members their members. Unchanged questions stay as
/// they are, so loading twice changes nothing.
pub async fn load_banks(state: &AppState, actor: &Actor) -> anyhow::Result<()> {
    use crate::banks::{service, store as banks};
    for (file, text) in SAMPLE_BANKS {
        let report = service::import(
            &state.db,
            state.now_ms(),
            actor,
            service::Target::Named(None),
            (file, text.as_bytes()),
            &service::ImportOptions {
                dry_run: false,
                keep_status: true,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("sample bank {file}: {e}"))?;
        if let Some(p) = report.errors.first() {
            anyhow::bail!("sample bank {file}: {p}");
        }
        let Some(bank) = banks::find_bank_by_name(&state.db, &report.bank).await? else {
            anyhow::bail!("sample bank {file} was not created");
        };
        for username in SAMPLE_BANK_MEMBERS {
            if let Some(u) = store::find_by_username(&state.db, username).await?
                && !banks::is_member(&state.db, bank.id, u.id).await?
            {
                service::add_member(&state.db, state.now_ms(), actor, &bank, username)
                    .await
                    .map_err(|e| anyhow::anyhow!("sample bank {file}: {e}"))?;
            }
        }
    }
    Ok(())
}

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
    load_banks(state, &actor).await?;
    crate::staff::demo::load(state).await?;
    // The promotion campaign first: lists show the newest campaign on top,
    // and the recruitment campaign with its paper is what a newcomer tries first.
    load_promotion(state).await?;
    load_campaign(state).await?;
    load_paper(state).await?;
    load_essay_paper(state).await?;
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

pub const DEMO_CAMPAIGN: &str = "Tuyển dụng công chức tỉnh Demo năm 2026";

/// (full name, national ID, position code, priority categories claimed)
const APPLICANTS: &[(&str, &str, &str, &[&str])] = &[
    ("Nguyễn Thị Hồng Nhung", "001196000101", "TCBC-01", &[]),
    (
        "Trần Quốc Bảo",
        "001095000102",
        "TCBC-01",
        // Two categories: the rule set counts the higher one only.
        &["child_of_martyr_invalid_or_hero", "completed_service"],
    ),
    ("Lê Minh Châu", "001197000103", "TCBC-01", &[]),
    (
        "Phạm Văn Dũng",
        "001094000104",
        "TCBC-01",
        &["completed_service"],
    ),
    ("Hoàng Thị Thu Hà", "001198000105", "TCBC-01", &[]),
    ("Vũ Đức Huy", "001093000106", "TDKT-01", &[]),
    (
        "Đặng Thị Lan Anh",
        "001199000107",
        "TDKT-01",
        &["ethnic_minority"],
    ),
    ("Bùi Văn Khánh", "001092000108", "TDKT-01", &[]),
    ("Đỗ Thị Mai", "001196000109", "TDKT-01", &[]),
    ("Ngô Thanh Tùng", "001095000110", "TDKT-01", &[]),
    ("Lý Thị Ngọc Diệp", "001198000111", "TDKT-01", &[]),
];

/// The applicant exempted from the round-1 test (a valid screening result),
/// thisinh11@example.vn: her form holds no questions, /exams says there is
/// nothing to sit, and the results show the section as exempt.
const EXEMPT_APPLICANT: &str = "001198000111";

/// A published recruitment campaign of the Department of Home Affairs under
/// Decree 170/2025, the law in force for a 2026 intake, with two positions and
/// approved applicants.
async fn load_campaign(state: &AppState) -> anyhow::Result<()> {
    use crate::campaigns::{domain::ApplicationStatus, store as campaigns};

    let Some(unit) = org_units::store::find_by_code(&state.db, "SNV").await? else {
        return Ok(());
    };
    let existing = campaigns::campaigns_in(&state.db, &Some(vec![unit.id])).await?;
    if existing.iter().any(|c| c.title == DEMO_CAMPAIGN) {
        return Ok(());
    }
    let personnel = store::find_by_username(&state.db, "demo.personnel")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo.personnel missing"))?;
    let rule_set =
        crate::campaigns::rules::preset_json(crate::rules::presets::VN_170_2025_RECRUITMENT)
            .ok_or_else(|| anyhow::anyhow!("preset missing"))?;
    let priorities: Vec<String> = crate::campaigns::rules::priority_categories(&rule_set)
        .into_iter()
        .map(|c| c.code)
        .collect();
    let now = state.now_ms();
    // Each campaign position recruits for a job position of the department in
    // the staff records, within its vacancies and the recruitment cap.
    let titles = |code: &str| {
        if code == "TCBC-01" {
            "Chuyên viên tổ chức biên chế"
        } else {
            "Chuyên viên thi đua khen thưởng"
        }
    };
    let job_positions = crate::staff::store::positions(&state.db, Some(&[unit.id])).await?;
    let year = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or(2026);
    let mut jobs = Vec::new();
    for code in ["TCBC-01", "TDKT-01"] {
        let job = job_positions
            .iter()
            .find(|j| j.title == titles(code))
            .map(|j| j.id);
        let limit = match job {
            Some(id) => {
                let vacancies = crate::staff::store::vacancies(&state.db, id)
                    .await?
                    .unwrap_or(0);
                let cap = crate::plans::service::recruitment_cap(&state.db, unit.id, year).await?;
                crate::campaigns::domain::quota_limit(vacancies, cap)
            }
            None => 2,
        };
        jobs.push((code, job, limit.clamp(1, 2)));
    }
    // Hash outside the transaction: it is the slow part.
    let hash = state.hasher.hash(DEMO_PASSWORD).await?;
    let txn = state.db.begin_write().await?;
    let campaign = campaigns::insert_campaign(
        &txn,
        campaigns::NewCampaign {
            title: DEMO_CAMPAIGN.into(),
            kind: crate::campaigns::domain::CampaignKind::Recruitment,
            org_unit_id: unit.id,
            rule_set_json: rule_set,
            applies_from_ms: now - 86_400_000,
            applies_until_ms: now + 30 * 86_400_000,
            created_by: personnel.id,
            transitional_reason: None,
        },
        &jobs.iter().map(|(_, id, _)| *id).collect::<Vec<_>>(),
        &jobs
            .iter()
            .map(|(code, _, quota)| (code.to_string(), titles(code).to_owned(), *quota))
            .collect::<Vec<_>>(),
        now,
    )
    .await?;
    campaigns::set_status(&txn, campaign.id, "published").await?;
    let positions = campaigns::positions(&txn, campaign.id).await?;
    let position_id = |code: &str| {
        positions
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.id)
            .unwrap_or_default()
    };
    let mut candidates = Vec::new();
    if let Some(demo) = store::find_by_username(&txn, "demo.candidate").await? {
        candidates.push((demo.id, "TCBC-01", &[][..], false));
    }
    for (i, (name, national_id, position, priority)) in APPLICANTS.iter().enumerate() {
        let email = format!("thisinh{:02}@example.vn", i + 1);
        let id = match store::find_by_username(&txn, &email).await? {
            Some(u) => u.id,
            None => {
                store::insert_user(
                    &txn,
                    store::NewUser {
                        username: email.clone(),
                        full_name: (*name).into(),
                        email: Some(email),
                        date_of_birth: chrono::NaiveDate::from_ymd_opt(
                            1992 + (i as i32 % 7),
                            1 + (i as u32 % 12),
                            10 + i as u32,
                        ),
                        national_id: Some((*national_id).into()),
                        role: Role::Candidate,
                        org_unit_id: None,
                        password_hash: hash.clone(),
                        locale: "vi".into(),
                    },
                    now,
                )
                .await
                .map_err(|e| anyhow::anyhow!("demo candidate {name}: {e}"))?
                .id
            }
        };
        anyhow::ensure!(
            priority.iter().all(|p| priorities.iter().any(|c| c == p)),
            "demo priority {priority:?} is not in the preset"
        );
        candidates.push((id, position, *priority, *national_id == EXEMPT_APPLICANT));
    }
    let exempt = crate::campaigns::domain::check_exemptions(
        &crate::campaigns::rules::parse(&campaign.rule_set)
            .ok_or_else(|| anyhow::anyhow!("demo rule set"))?,
        &["general_knowledge".to_owned()],
    )
    .map_err(|e| anyhow::anyhow!("demo exemption: {e:?}"))?;
    for (candidate_id, position, priority, exempted) in candidates {
        campaigns::insert_application(
            &txn,
            campaigns::NewApplication {
                campaign_id: campaign.id,
                position_id: position_id(position),
                candidate_id,
                priority_claims: priority
                    .iter()
                    .map(|code| crate::campaigns::domain::PriorityClaim {
                        code: (*code).to_owned(),
                        document_ref: format!("Giấy chứng nhận số {:02}/2026", candidate_id % 100),
                    })
                    .collect(),
                exemptions: if exempted { exempt.clone() } else { Vec::new() },
                document_ref: exempted
                    .then(|| "Kết quả kiểm định đầu vào còn hạn, 2025".to_owned()),
                status: ApplicationStatus::Approved,
                extra_minutes: 0,
            },
            now,
        )
        .await?;
    }
    crate::audit::record(
        &txn,
        now,
        &Actor::system("demo"),
        crate::audit::Entry::new(
            "campaign_created",
            format!("campaign {} {}", campaign.id, DEMO_CAMPAIGN),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A signed-in stand-in for a demo account, so the demo goes through the same
/// services (and checks, and audit entries) as a person would.
async fn act_as(state: &AppState, username: &str) -> anyhow::Result<crate::web::CurrentUser> {
    let u = store::find_by_username(&state.db, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{username} missing"))?;
    Ok(crate::web::CurrentUser {
        id: u.id,
        role: Role::parse(&u.role).unwrap_or_default(),
        username: u.username,
        full_name: u.full_name,
        org_unit_id: u.org_unit_id,
        locale: crate::web::i18n::Locale::Vi,
        session_id: "demo".into(),
        client_addr: "local".into(),
    })
}

/// The campaign's round-1 computer test with the real Decree 170/2025
/// blueprint (one test of 60 general-knowledge questions in 60 minutes),
/// built by demo.board1, published, forms issued.
async fn load_paper(state: &AppState) -> anyhow::Result<()> {
    use crate::exams::service as papers;
    let personnel = act_as(state, "demo.personnel").await?;
    let Some(campaign) = crate::campaigns::store::campaigns_in(&state.db, &None)
        .await?
        .into_iter()
        .find(|c| c.title == DEMO_CAMPAIGN)
    else {
        return Ok(());
    };
    if !crate::exams::store::papers_of_campaign(&state.db, campaign.id)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let input = papers::NewPaperInput {
        title: "Vòng 1 — thi trắc nghiệm trên máy tính".into(),
        round: 1,
        board: vec!["demo.board1".into(), "demo.board2".into()],
    };
    let paper = papers::create(state, &personnel, campaign.id, &input)
        .await
        .map_err(|e| anyhow::anyhow!("demo paper: {e}"))?;
    let board = act_as(state, "demo.board1").await?;
    // Open from now for a week, so demo.candidate can sit it right away.
    let now = state.now_ms();
    let edit = papers::PaperEdit {
        title: paper.title.clone(),
        spec: papers::spec_of(&paper).map_err(|e| anyhow::anyhow!("demo paper: {e}"))?,
        time_limit_minutes: paper.time_limit_minutes,
        opens_ms: now,
        closes_ms: now + 7 * 86_400_000,
        grace_seconds: paper.grace_seconds,
    };
    let paper = papers::save(state, &board, paper.id, &edit)
        .await
        .map_err(|e| anyhow::anyhow!("demo paper: {e}"))?;
    papers::publish(state, &board, paper.id)
        .await
        .map_err(|e| anyhow::anyhow!("demo paper: {e}"))?;
    papers::issue_forms(state, &personnel, paper.id)
        .await
        .map_err(|e| anyhow::anyhow!("demo forms: {e}"))?;
    Ok(())
}

pub const DEMO_PROMOTION: &str = "Thi nâng ngạch chuyên viên chính Sở Nội vụ năm 2026";

/// A published promotion campaign of the Department of Home Affairs under the
/// Decree 115/2020 preset, narrowed to specialists (A1) with 9 years in grade
/// moving to principal specialist (A2.1), for the department's principal
/// specialist post. Its eligible list comes from the demo staff records with
/// their 2025 appraisals; the first three eligible are admitted, each signing
/// in as `staff-<record id>` with the demo password.
async fn load_promotion(state: &AppState) -> anyhow::Result<()> {
    use crate::campaigns::{promotions, service as campaigns};
    let Some(unit) = org_units::store::find_by_code(&state.db, "SNV").await? else {
        return Ok(());
    };
    if crate::campaigns::store::campaigns_in(&state.db, &Some(vec![unit.id]))
        .await?
        .iter()
        .any(|c| c.title == DEMO_PROMOTION)
    {
        return Ok(());
    }
    let personnel = act_as(state, "demo.personnel").await?;
    let mut rules = crate::rules::presets::vn_115_2020_promotion();
    if let Some(p) = rules.promotion.as_mut() {
        p.from_grades = vec!["A1".into()];
        p.to_grade = Some("A2.1".into());
        p.min_months_in_grade = 108;
        p.min_months_in_current_grade = 12;
    }
    let job = crate::staff::store::positions(&state.db, Some(&[unit.id]))
        .await?
        .into_iter()
        .find(|j| j.title == "Chuyên viên chính tổ chức biên chế")
        .map(|j| j.id);
    let now = state.now_ms();
    let input = campaigns::CampaignInput {
        title: DEMO_PROMOTION.into(),
        kind: crate::campaigns::domain::CampaignKind::Promotion,
        org_unit_id: unit.id,
        preset: crate::rules::presets::VN_115_2020_PROMOTION.into(),
        rule_set: Some(serde_json::to_value(&rules)?),
        applies_from_ms: now - 86_400_000,
        applies_until_ms: now + 30 * 86_400_000,
        positions: vec![campaigns::PositionInput {
            code: "CVC-01".into(),
            title: "Chuyên viên chính tổ chức biên chế".into(),
            quota: 2,
            job_position_id: job,
        }],
        quota_override_reason: None,
        transitional: false,
        transitional_reason: None,
    };
    let c = campaigns::create_campaign(state, &personnel, &input)
        .await
        .map_err(|e| anyhow::anyhow!("demo promotion campaign: {e}"))?;
    campaigns::publish_campaign(state, &personnel, c.id)
        .await
        .map_err(|e| anyhow::anyhow!("demo promotion campaign: {e}"))?;
    let eligible = campaigns::eligible(state, &personnel, c.id, crate::web::i18n::Locale::Vi)
        .await
        .map_err(|e| anyhow::anyhow!("demo eligible list: {e}"))?;
    let chosen: Vec<i32> = eligible
        .iter()
        .filter(|r| r.eligible)
        .take(3)
        .map(|r| r.staff_id)
        .collect();
    // Accounts with the demo password before admitting, so admission finds
    // them by national ID instead of issuing random passwords.
    let hash = state.hasher.hash(DEMO_PASSWORD).await?;
    for id in &chosen {
        let Some(p) = crate::staff::store::find(&state.db, *id).await? else {
            continue;
        };
        let Some(national_id) = p.national_id.clone() else {
            continue;
        };
        if store::find_by_national_id(&state.db, &national_id)
            .await?
            .is_none()
        {
            store::insert_user(
                &state.db,
                store::NewUser {
                    username: promotions::staff_username(p.id),
                    full_name: p.full_name.clone(),
                    email: None,
                    date_of_birth: Some(p.date_of_birth),
                    national_id: Some(national_id),
                    role: Role::Candidate,
                    org_unit_id: None,
                    password_hash: hash.clone(),
                    locale: "vi".into(),
                },
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo staff candidate {}: {e}", p.full_name))?;
        }
    }
    let position = crate::campaigns::store::positions(&state.db, c.id)
        .await?
        .first()
        .map(|p| p.id)
        .ok_or_else(|| anyhow::anyhow!("demo promotion campaign has no position"))?;
    if !chosen.is_empty() {
        promotions::admit(
            state,
            &personnel,
            c.id,
            &promotions::Admission {
                position_id: position,
                staff_ids: chosen,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo admissions: {e}"))?;
    }
    Ok(())
}

/// Three applicants' written answers, two essays each.
const ESSAYS: &[(&str, [&str; 2])] = &[
    (
        "thisinh02@example.vn",
        [
            "Quyền lực nhà nước là thống nhất, thuộc về Nhân dân; các cơ quan được phân công thực hiện quyền lập pháp, hành pháp, tư pháp.\n\nVí dụ: Quốc hội giám sát Chính phủ qua chất vấn và lấy phiếu tín nhiệm; Chính phủ trình dự án luật.",
            "Công khai thủ tục, số hóa hồ sơ, dịch vụ công trực tuyến toàn trình, đào tạo công chức Bộ phận Một cửa.",
        ],
    ),
    (
        "thisinh03@example.vn",
        [
            "Nguyên tắc này có nghĩa là các cơ quan nhà nước kiểm soát lẫn nhau. Quốc hội bầu Thủ tướng.",
            "Cần cải cách thủ tục hành chính và ứng dụng công nghệ thông tin; lấy người dân, doanh nghiệp làm trung tâm; tiếp nhận phản ánh, kiến nghị qua Cổng Dịch vụ công quốc gia; khai thác cơ sở dữ liệu dân cư theo Đề án 06.",
        ],
    ),
    (
        "thisinh04@example.vn",
        [
            "Tính thống nhất: quyền lực thuộc về Nhân dân (Điều 2). Phân công: Quốc hội lập hiến, lập pháp; Chính phủ hành pháp; Tòa án tư pháp. Phối hợp và kiểm soát: Quốc hội giám sát tối cao, chất vấn, lấy phiếu tín nhiệm các chức danh do Quốc hội bầu; Chính phủ có quyền trình dự án luật.",
            "Giải pháp về thể chế, con người, chuyển đổi số và kiểm tra, giám sát.",
        ],
    ),
];

/// A written round-2 paper of two essays from the general-knowledge bank,
/// held yesterday: three applicants sat it, the paper is graded and
/// demo.board1 has marked every answer once, so demo.board2 finds a marking
/// queue of blind second marks.
async fn load_essay_paper(state: &AppState) -> anyhow::Result<()> {
    use crate::attempts::entity::{answer, attempt};
    use crate::exams::blueprint::{Blueprint, BlueprintRow, SectionSpec};
    use crate::exams::service as papers;
    use sea_orm::{ActiveModelTrait, Set};
    let fail = |e: crate::web::AppError| anyhow::anyhow!("demo essay paper: {e}");
    let Some(campaign) = crate::campaigns::store::campaigns_in(&state.db, &None)
        .await?
        .into_iter()
        .find(|c| c.title == DEMO_CAMPAIGN)
    else {
        return Ok(());
    };
    if crate::exams::store::papers_of_campaign(&state.db, campaign.id)
        .await?
        .iter()
        .any(|p| p.round == 2)
    {
        return Ok(());
    }
    let Some(bank) = crate::banks::store::find_bank_by_name(&state.db, "Kiến thức chung").await?
    else {
        return Ok(());
    };
    let personnel = act_as(state, "demo.personnel").await?;
    let input = papers::NewPaperInput {
        title: "Vòng 2 — thi viết (bài tự luận)".into(),
        round: 2,
        board: vec!["demo.board1".into(), "demo.board2".into()],
    };
    let paper = papers::create(state, &personnel, campaign.id, &input)
        .await
        .map_err(fail)?;
    let board = act_as(state, "demo.board1").await?;
    let now = state.now_ms();
    let mut spec = papers::spec_of(&paper).map_err(fail)?;
    // Titled as the rule set's round-2 section, so grading maps it there.
    spec.blueprint = Blueprint {
        sections: vec![SectionSpec {
            title: "Thi viết chuyên ngành".into(),
            rows: vec![BlueprintRow {
                bank_id: bank.id,
                topics: Vec::new(),
                difficulty_min: 1,
                difficulty_max: 5,
                kind: Some(crate::banks::model::Kind::Essay),
                count: 2,
                points_each: 50.0,
            }],
            shuffle_questions: false,
            shuffle_options: false,
        }],
    };
    let edit = papers::PaperEdit {
        title: paper.title.clone(),
        spec,
        time_limit_minutes: 180,
        opens_ms: now - 30 * 3_600_000,
        closes_ms: now - 24 * 3_600_000,
        grace_seconds: paper.grace_seconds,
    };
    let paper = papers::save(state, &board, paper.id, &edit)
        .await
        .map_err(fail)?;
    papers::publish(state, &board, paper.id)
        .await
        .map_err(fail)?;
    // Round 2 is open only to those who qualified in round 1: the three who
    // wrote it passed an earlier round-1 sitting, recorded as closed.
    let mut qualified = Vec::new();
    for (username, _) in ESSAYS {
        if let Some(u) = store::find_by_username(&state.db, username).await?
            && let Some(app) =
                crate::campaigns::store::application_of(&state.db, campaign.id, u.id).await?
        {
            qualified.push((app.id, true, "[]".to_owned()));
        }
    }
    crate::campaigns::store::record_round_results(
        &state.db,
        campaign.id,
        1,
        &qualified,
        now - 48 * 3_600_000,
    )
    .await?;
    papers::issue_forms(state, &personnel, paper.id)
        .await
        .map_err(fail)?;
    let forms = crate::exams::store::forms_of_paper(&state.db, paper.id).await?;
    // The sitting itself is history: written straight into the tables, as
    // the attempts would have left them.
    let started = paper.opens_ms;
    let txn = state.db.begin_write().await?;
    for (username, texts) in ESSAYS {
        let Some(u) = store::find_by_username(&txn, username).await? else {
            continue;
        };
        let Some(app) = crate::campaigns::store::application_of(&txn, campaign.id, u.id).await?
        else {
            continue;
        };
        let Some(form) = forms.iter().find(|f| f.application_id == Some(app.id)) else {
            continue;
        };
        let a = attempt::ActiveModel {
            paper_id: Set(paper.id),
            application_id: Set(app.id),
            candidate_id: Set(u.id),
            form_id: Set(form.id),
            item_count: Set(form.item_count),
            sequential: Set(false),
            position: Set(0),
            started_ms: Set(started),
            deadline_ms: Set(started + 180 * 60_000),
            grace_ms: Set(i64::from(paper.grace_seconds) * 1000),
            extra_ms: Set(0),
            submitted_ms: Set(Some(started + 170 * 60_000)),
            submit_reason: Set(Some("manual".into())),
            status: Set("submitted".into()),
            last_save_ms: Set(Some(started + 165 * 60_000)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (item, text) in texts.iter().enumerate() {
            let response = crate::banks::scoring::Response::Essay {
                text: (*text).to_owned(),
            };
            answer::ActiveModel {
                attempt_id: Set(a.id),
                item: Set(i32::try_from(item)?),
                response: Set(Some(serde_json::to_string(&response)?)),
                flagged: Set(false),
                seq: Set(1),
                saved_ms: Set(started + 160 * 60_000),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    crate::grading::service::grade_paper(&state.db, &paper, &board.actor(), state.now_ms())
        .await
        .map_err(fail)?;
    // demo.board1's first marks; the second ones wait for demo.board2.
    let queue = crate::grading::marking::service::queue(state, &board, paper.id)
        .await
        .map_err(fail)?;
    for (k, e) in queue.entries.iter().enumerate() {
        let score = ["38", "42,5", "25", "30", "44", "20"][k % 6];
        crate::grading::marking::service::mark(
            state, &board, paper.id, &e.script, e.item, score, "",
        )
        .await
        .map_err(fail)?;
    }
    Ok(())
}
