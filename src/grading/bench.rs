//! `merit bench grading`: N synthetic submitted attempts of a one-section
//! paper in a scratch SQLite database, then grading, ranking and item
//! statistics timed as the application runs them.

use crate::db::BeginWrite;
use std::time::Instant;

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::accounts::entity::user;
use crate::attempts::entity::{answer, attempt};
use crate::audit::Actor;
use crate::banks::entity::{bank, question, version};
use crate::banks::model::{Answer, Choice, Question, TextFormat};
use crate::campaigns::entity::application;
use crate::exams::blueprint::{Blueprint, BlueprintRow, SectionSpec};
use crate::exams::entity::{form, paper};
use crate::exams::form::{Form, FormItem, FormSection};
use crate::exams::paper::PaperSpec;
use crate::rules::model::PassMark;

#[derive(clap::Args, Debug)]
pub struct GradingBenchArgs {
    /// Submitted attempts to build.
    #[arg(long, default_value_t = 10_000)]
    pub attempts: usize,
    /// Questions on the paper (single choice, four options).
    #[arg(long, default_value_t = 60)]
    pub questions: usize,
    /// Print one JSON object instead of lines for people.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct Figures {
    pub attempts: usize,
    pub questions: usize,
    /// Grading + ranking + statistics.
    pub seconds: f64,
    pub grading_seconds: f64,
    pub ranking_seconds: f64,
    pub statistics_seconds: f64,
    pub setup_seconds: f64,
    pub positions: usize,
    pub selected: usize,
    pub alpha: Option<f64>,
}

/// splitmix64: a fixed, dependency-free stream, so every run builds the same data.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const POSITIONS: usize = 10;

pub async fn run(args: GradingBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.attempts > 0, "--attempts must be at least 1");
    anyhow::ensure!(
        (1..=1000).contains(&args.questions),
        "--questions must be between 1 and 1000"
    );
    let path = std::env::temp_dir().join(format!("merit-bench-{}.sqlite", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let result = bench(&url, &args).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let f = result?;
    if args.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        println!(
            "{} attempts × {} questions: grading {:.2} s, ranking {:.2} s, statistics {:.2} s — {:.2} s in all (setup {:.1} s, not counted); {} selected over {} positions; alpha {}",
            f.attempts,
            f.questions,
            f.grading_seconds,
            f.ranking_seconds,
            f.statistics_seconds,
            f.seconds,
            f.setup_seconds,
            f.selected,
            f.positions,
            f.alpha.map_or("—".into(), |a| format!("{a:.3}")),
        );
    }
    Ok(())
}

async fn insert_chunked<A, E>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    per: usize,
) -> anyhow::Result<()>
where
    A: ActiveModelTrait<Entity = E> + Send,
    E: EntityTrait<ActiveModel = A>,
{
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<A> = rows.by_ref().take(per).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
}

async fn bench(url: &str, args: &GradingBenchArgs) -> anyhow::Result<Figures> {
    let (n, q) = (args.attempts, args.questions);
    let setup = Instant::now();
    let db = crate::db::connect(url, 2).await?;
    db.execute_unprepared("PRAGMA synchronous=OFF").await?;
    crate::db::migrate(&db).await?;
    let now = 1_800_000_000_000_i64;
    let mut rng = Stream(42);
    let unit = crate::org_units::store::insert(&db, None, "BENCH", "Bench unit", now).await?;
    let txn = db.begin_write().await?;
    let mut users = Vec::with_capacity(n + 1);
    for i in 0..=n {
        users.push(user::ActiveModel {
            username: Set(format!("bench{i}")),
            full_name: Set(format!("Candidate {i}")),
            email: Set(None),
            date_of_birth: Set(chrono::NaiveDate::from_ymd_opt(
                1980 + (i % 20) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )),
            national_id: Set(None),
            role: Set(if i == 0 { "personnel" } else { "candidate" }.to_owned()),
            org_unit_id: Set((i == 0).then_some(unit.id)),
            password_hash: Set("!".to_owned()),
            locale: Set("vi".to_owned()),
            disabled: Set(false),
            created_ms: Set(now),
            password_changed_ms: Set(now),
            ..Default::default()
        });
    }
    insert_chunked(&txn, users, 2000).await?;
    // Ids are handed out in insertion order in a fresh database.
    let staff_id = 1;
    let mut rules = crate::rules::presets::generic_merit();
    rules.rounds[0].sections[0].questions = u32::try_from(q)?;
    rules.rounds[0].sections[0].pass_mark = Some(PassMark::Percent(50.0));
    let quota = i32::try_from((n / POSITIONS / 10).max(1))?;
    let positions: Vec<(String, String, i32)> = (0..POSITIONS)
        .map(|i| (format!("P-{i:02}"), format!("Position {i}"), quota))
        .collect();
    let campaign = crate::campaigns::store::insert_campaign(
        &txn,
        crate::campaigns::store::NewCampaign {
            title: "Bench campaign".into(),
            kind: crate::campaigns::domain::CampaignKind::Recruitment,
            org_unit_id: unit.id,
            rule_set_json: serde_json::to_string(&rules)?,
            applies_from_ms: now,
            applies_until_ms: now + 1,
            created_by: staff_id,
            transitional_reason: None,
        },
        &[],
        &positions,
        now,
    )
    .await?;
    let position_ids: Vec<i32> = crate::campaigns::store::positions(&txn, campaign.id)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let b = bank::ActiveModel {
        name: Set("Bench bank".into()),
        subject: Set("specialised".into()),
        description: Set(None),
        language: Set("vi".into()),
        ignore_diacritics: Set(false),
        created_ms: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut correct = Vec::with_capacity(q);
    let mut version_ids = Vec::with_capacity(q);
    for k in 0..q {
        let right = rng.below(4);
        correct.push(right);
        let content = Question {
            title: None,
            topic: "Bench".into(),
            difficulty: 3,
            points: 1.0,
            stem: format!("Question {k}"),
            format: TextFormat::default(),
            answer: Answer::SingleChoice {
                options: (0..4)
                    .map(|o| Choice {
                        text: format!("Option {o}"),
                        weight: if o == right { 100.0 } else { 0.0 },
                        feedback: None,
                    })
                    .collect(),
            },
            tags: Vec::new(),
            explanation: None,
        };
        let qrow = question::ActiveModel {
            bank_id: Set(b.id),
            key: Set(format!("q{k}")),
            created_ms: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let v = version::ActiveModel {
            question_id: Set(qrow.id),
            bank_id: Set(b.id),
            number: Set(1),
            current: Set(true),
            status: Set("approved".into()),
            kind: Set("single_choice".into()),
            topic: Set("Bench".into()),
            difficulty: Set(3),
            points: Set(1.0),
            tags: Set("[]".into()),
            search: Set(String::new()),
            fingerprint: Set(format!("bench-{k}")),
            content: Set(serde_json::to_string(&content)?),
            author_id: Set(None),
            author_name: Set("bench".into()),
            reviewer_id: Set(None),
            reviewer_name: Set(None),
            created_ms: Set(now),
            approved_ms: Set(Some(now)),
            retired_ms: Set(None),
            used: Set(true),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        version_ids.push(v.id);
    }
    let spec = PaperSpec {
        blueprint: Blueprint {
            sections: vec![SectionSpec {
                title: "Bài thi".into(),
                rows: vec![BlueprintRow {
                    bank_id: b.id,
                    topics: Vec::new(),
                    difficulty_min: 1,
                    difficulty_max: 5,
                    kind: None,
                    count: u32::try_from(q)?,
                    points_each: 1.0,
                }],
                shuffle_questions: true,
                shuffle_options: true,
            }],
        },
        pool: version_ids.clone(),
        ..Default::default()
    };
    let p = paper::ActiveModel {
        campaign_id: Set(campaign.id),
        round: Set(1),
        title: Set("Bench paper".into()),
        version: Set(1),
        supersedes_id: Set(None),
        status: Set("published".into()),
        spec: Set(serde_json::to_string(&spec)?),
        time_limit_minutes: Set(60),
        opens_ms: Set(now),
        closes_ms: Set(now + 7_200_000),
        grace_seconds: Set(30),
        created_by: Set(staff_id),
        created_ms: Set(now),
        published_ms: Set(Some(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut apps = Vec::with_capacity(n);
    let mut forms = Vec::with_capacity(n);
    let mut attempts = Vec::with_capacity(n);
    let mut answers = Vec::with_capacity(n * q);
    for i in 0..n {
        let id = i32::try_from(i + 1)?;
        apps.push(application::ActiveModel {
            campaign_id: Set(campaign.id),
            position_id: Set(position_ids[i % POSITIONS]),
            candidate_id: Set(id + 1),
            priority_claims: Set(if i % 17 == 0 {
                r#"[{"code":"veteran","document_ref":"QĐ 1/2020"}]"#.into()
            } else {
                "[]".into()
            }),
            exemptions: Set("[]".into()),
            document_ref: Set(None),
            status: Set("approved".into()),
            reject_reason: Set(None),
            extra_minutes: Set(0),
            decided_by: Set(Some(staff_id)),
            decided_ms: Set(Some(now)),
            created_ms: Set(now),
            ..Default::default()
        });
        // A shuffled form: question order and option order per attempt.
        let mut order: Vec<usize> = (0..q).collect();
        for k in (1..q).rev() {
            order.swap(k, rng.below(k + 1));
        }
        let items = order
            .iter()
            .map(|&k| {
                let mut options: Vec<u16> = vec![0, 1, 2, 3];
                for j in (1..4).rev() {
                    options.swap(j, rng.below(j + 1));
                }
                FormItem {
                    version_id: i64::from(version_ids[k]),
                    row: 0,
                    points: 1.0,
                    option_order: options,
                }
            })
            .collect();
        let f = Form {
            seed: i as u64,
            sections: vec![FormSection { items }],
        };
        forms.push(form::ActiveModel {
            paper_id: Set(p.id),
            application_id: Set(Some(id)),
            seed: Set(i as i64),
            item_count: Set(i32::try_from(q)?),
            data: Set(f.encode()),
            created_ms: Set(now),
            ..Default::default()
        });
        attempts.push(attempt::ActiveModel {
            paper_id: Set(p.id),
            application_id: Set(id),
            candidate_id: Set(id + 1),
            form_id: Set(id),
            item_count: Set(i32::try_from(q)?),
            sequential: Set(false),
            position: Set(0),
            started_ms: Set(now),
            deadline_ms: Set(now + 3_600_000),
            grace_ms: Set(30_000),
            extra_ms: Set(0),
            submitted_ms: Set(Some(now + 3_000_000)),
            submit_reason: Set(Some("manual".into())),
            status: Set("submitted".into()),
            last_save_ms: Set(Some(now + 2_900_000)),
            ..Default::default()
        });
        // Ability from 0.25 to 0.95; 5% of items left blank.
        let ability = 0.25 + 0.7 * rng.unit();
        for (slot, &k) in order.iter().enumerate() {
            if rng.unit() < 0.05 {
                continue;
            }
            let chosen = if rng.unit() < ability {
                correct[k]
            } else {
                (correct[k] + 1 + rng.below(3)) % 4
            };
            answers.push(answer::ActiveModel {
                attempt_id: Set(id),
                item: Set(i32::try_from(slot)?),
                response: Set(Some(format!("{{\"kind\":\"choice\",\"index\":{chosen}}}"))),
                flagged: Set(false),
                seq: Set(1),
                saved_ms: Set(now + 1000),
                ..Default::default()
            });
        }
    }
    insert_chunked(&txn, apps, 2000).await?;
    insert_chunked(&txn, forms, 4000).await?;
    insert_chunked(&txn, attempts, 2000).await?;
    insert_chunked(&txn, answers, 4000).await?;
    txn.commit().await?;
    let setup_seconds = setup.elapsed().as_secs_f64();

    let t = Instant::now();
    let run = super::service::grade_paper(&db, &p, &Actor::system("bench"), now).await?;
    anyhow::ensure!(run.graded == n, "graded {} of {n} attempts", run.graded);
    let grading_seconds = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let input = super::service::ranking_input(&db, &campaign).await?;
    let results =
        super::service::campaign_results(&campaign, &input, None, crate::web::i18n::Locale::Vi);
    let ranking_seconds = t.elapsed().as_secs_f64();
    let selected = results
        .positions
        .iter()
        .flat_map(|p| &p.rows)
        .filter(|r| r.standing == super::ranking::Standing::Selected)
        .count();

    let t = Instant::now();
    let stats = super::service::statistics_of(&db, &p).await?;
    let statistics_seconds = t.elapsed().as_secs_f64();
    db.close().await?;
    Ok(Figures {
        attempts: n,
        questions: q,
        seconds: grading_seconds + ranking_seconds + statistics_seconds,
        grading_seconds,
        ranking_seconds,
        statistics_seconds,
        setup_seconds,
        positions: results.positions.len(),
        selected,
        alpha: stats.test.alpha,
    })
}
