use axum::http::StatusCode;
use merit::attempts::entity::attempt;
use merit::demo::DEMO_PASSWORD;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::harness::{Api, TestApp};

const OTHER: &str = "thisinh01@example.vn";

/// The demo (Decree 170 campaign, its published 60-item paper with forms
/// issued) with the clock moved to one minute after the paper opens.
async fn exam_day(app: &TestApp) -> (i64, Value) {
    merit::demo::load(&app.state).await.unwrap();
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let campaign = hr.get("/api/campaigns").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let paper = hr
        .get(&format!("/api/campaigns/{campaign}/papers"))
        .await
        .json()[0]
        .clone();
    let opens = paper["opens_ms"].as_i64().unwrap();
    app.clock.advance_ms(opens - app.clock_now() + 60_000);
    (paper["id"].as_i64().unwrap(), paper)
}

trait Now {
    fn clock_now(&self) -> i64;
}

impl Now for TestApp {
    fn clock_now(&self) -> i64 {
        use merit::clock::Clock;
        self.clock.now_ms()
    }
}

async fn candidate(app: &TestApp) -> Api<'_> {
    app.api_login("demo.candidate", DEMO_PASSWORD).await
}

async fn start(api: &Api<'_>, paper: i64) -> Value {
    let r = api
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert!(r.status.is_success(), "start: {} {}", r.status, r.text());
    r.json()
}

async fn save(
    api: &Api<'_>,
    attempt: i64,
    item: i64,
    seq: i64,
    index: usize,
) -> (StatusCode, Value) {
    let r = api
        .request(
            axum::http::Method::PUT,
            &format!("/api/attempts/{attempt}/answers/{item}"),
            Some(json!({"seq": seq, "response": {"kind": "choice", "index": index}})),
        )
        .await;
    let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    (r.status, body)
}

fn answer_of(view: &Value, item: i64) -> Option<Value> {
    view["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["item"] == item)
        .cloned()
}

#[tokio::test]
async fn a_candidate_starts_once_saves_and_resumes_with_the_same_deadline() {
    let app = TestApp::new().await;
    let (paper, p) = exam_day(&app).await;
    let me = candidate(&app).await;
    let dash = me.get("/api/exams").await.json();
    assert_eq!(dash[0]["state"], "open", "{dash}");
    let r = me
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let a = r.json();
    let id = a["id"].as_i64().unwrap();
    assert_eq!(
        a["deadline_ms"].as_i64().unwrap(),
        app.clock_now() + p["time_limit_minutes"].as_i64().unwrap() * 60_000
    );
    let (status, ack) = save(&me, id, 1, 1, 2).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(ack["status"], "saved");
    assert_eq!(ack["remaining_seconds"], 60 * 60);
    // Later, from another computer: a new sign-in, the same attempt and deadline.
    app.clock.advance_minutes(10);
    let again = candidate(&app).await;
    let r = again
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "a second start resumes");
    assert_eq!(r.json()["id"], id);
    assert_eq!(r.json()["deadline_ms"], a["deadline_ms"]);
    let view = again.get(&format!("/api/attempts/{id}")).await.json();
    assert_eq!(view["item_count"], 60);
    assert_eq!(view["remaining_seconds"], 50 * 60);
    assert_eq!(
        answer_of(&view, 1).unwrap()["response"],
        json!({"kind": "choice", "index": 2}),
        "the answer comes back in the order the page shows options"
    );
    assert_eq!(me.get("/api/exams").await.json()[0]["state"], "in_progress");
}

#[tokio::test]
async fn late_save_is_refused_after_deadline_plus_grace() {
    let app = TestApp::new().await;
    let (paper, p) = exam_day(&app).await;
    let me = candidate(&app).await;
    let a = start(&me, paper).await;
    let id = a["id"].as_i64().unwrap();
    let grace = p["grace_seconds"].as_i64().unwrap() * 1000;
    let deadline = a["deadline_ms"].as_i64().unwrap();
    // The property, walked with the injected clock around the limit: accepted
    // exactly while now ≤ deadline + grace.
    let mut offsets: Vec<i64> = (0..24)
        .map(|_| i64::from(u16::from_le_bytes(merit::random_bytes::<2>())) % 4000 - 2000)
        .chain([0, 1, -1])
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut seq = 0;
    // Two hours on, the morning's session has idled out: sign in again.
    app.clock
        .advance_ms(deadline + grace - 3000 - app.clock_now());
    let me = candidate(&app).await;
    for off in offsets {
        let at = deadline + grace + off;
        app.clock.advance_ms(at - app.clock_now());
        seq += 1;
        let (status, body) = save(&me, id, 1, seq, 0).await;
        if off <= 0 {
            assert_eq!(status, StatusCode::OK, "at +{off} ms: {body}");
        } else {
            assert_eq!(status, StatusCode::CONFLICT, "at +{off} ms: {body}");
            assert!(
                body.to_string().contains("Time is up") || body.to_string().contains("hết giờ"),
                "{body}"
            );
        }
    }
    let r = me
        .post(&format!("/api/attempts/{id}/submit"), json!({}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a late submit is refused too"
    );
}

#[tokio::test]
async fn replays_and_out_of_order_saves_change_nothing() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let id = start(&me, paper).await["id"].as_i64().unwrap();
    assert_eq!(save(&me, id, 5, 2, 1).await.1["status"], "saved");
    let (status, stale) = save(&me, id, 5, 1, 3).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stale["status"], "stale");
    assert_eq!(stale["seq"], 2, "the stored sequence is reported");
    assert_eq!(
        save(&me, id, 5, 2, 3).await.1["status"],
        "stale",
        "a replay"
    );
    let view = me.get(&format!("/api/attempts/{id}")).await.json();
    assert_eq!(answer_of(&view, 5).unwrap()["response"]["index"], 1);
    assert_eq!(answer_of(&view, 5).unwrap()["seq"], 2);
    // A response that could not come from the page is refused, not stored.
    let (status, _) = save(&me, id, 5, 9, 77).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = save(&me, id, 121, 1, 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn two_tabs_share_one_attempt_and_the_highest_sequence_wins() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let tab1 = candidate(&app).await;
    let tab2 = candidate(&app).await;
    let (a1, a2) = tokio::join!(start(&tab1, paper), start(&tab2, paper));
    assert_eq!(a1["id"], a2["id"]);
    let id = a1["id"].as_i64().unwrap();
    let (r1, r2) = tokio::join!(save(&tab1, id, 3, 7, 0), save(&tab2, id, 3, 8, 1));
    assert_eq!(r1.0, StatusCode::OK);
    assert_eq!(r2.0, StatusCode::OK);
    let view = tab1.get(&format!("/api/attempts/{id}")).await.json();
    assert_eq!(answer_of(&view, 3).unwrap()["seq"], 8);
    assert_eq!(answer_of(&view, 3).unwrap()["response"]["index"], 1);
}

#[tokio::test]
async fn a_submit_racing_a_save_never_loses_an_acknowledged_answer() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let id = start(&me, paper).await["id"].as_i64().unwrap();
    for round in 0..5 {
        let item = round + 1;
        let submit_path = format!("/api/attempts/{id}/submit");
        let (saved, submitted) =
            tokio::join!(save(&me, id, item, 1, 0), me.post(&submit_path, json!({})));
        let view = me.get(&format!("/api/attempts/{id}")).await.json();
        if saved.0 == StatusCode::OK {
            assert!(answer_of(&view, item).is_some(), "acknowledged save lost");
        } else {
            assert_eq!(saved.0, StatusCode::CONFLICT);
            assert!(answer_of(&view, item).is_none());
        }
        if submitted.status == StatusCode::OK {
            assert_eq!(view["status"], "submitted");
            break;
        }
    }
    let (status, _) = save(&me, id, 10, 1, 0).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "nothing lands after a submission"
    );
    let r = me
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "only once");
}

#[tokio::test]
async fn the_sweeper_submits_overdue_attempts_once_even_when_run_twice() {
    let app = TestApp::new().await;
    let (paper, p) = exam_day(&app).await;
    let me = candidate(&app).await;
    let other = app.api_login(OTHER, DEMO_PASSWORD).await;
    let id = start(&me, paper).await["id"].as_i64().unwrap();
    start(&other, paper).await;
    save(&me, id, 1, 1, 0).await;
    let now = app.clock_now();
    assert_eq!(merit::attempts::sweep(&app.state, now).await.unwrap(), 0);
    app.clock
        .advance_minutes(p["time_limit_minutes"].as_i64().unwrap());
    app.clock
        .advance_ms(p["grace_seconds"].as_i64().unwrap() * 1000 + 1);
    let now = app.clock_now();
    let (a, b) = tokio::join!(
        merit::attempts::sweep(&app.state, now),
        merit::attempts::sweep(&app.state, now)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        2,
        "each attempt submitted exactly once"
    );
    assert_eq!(merit::attempts::sweep(&app.state, now).await.unwrap(), 0);
    let me = candidate(&app).await;
    let view = me.get(&format!("/api/attempts/{id}")).await.json();
    assert_eq!(view["status"], "submitted");
    assert!(
        answer_of(&view, 1).is_some(),
        "submitted with what was saved"
    );
    let row = attempt::Entity::find_by_id(id as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.submit_reason.as_deref(), Some("sweeper"));
}

#[tokio::test]
async fn another_candidate_cannot_read_save_into_or_submit_an_attempt() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let id = start(&me, paper).await["id"].as_i64().unwrap();
    let other = app.api_login(OTHER, DEMO_PASSWORD).await;
    assert_eq!(
        other.get(&format!("/api/attempts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(save(&other, id, 1, 1, 0).await.0, StatusCode::NOT_FOUND);
    let r = other
        .post(&format!("/api/attempts/{id}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Even when the owner's form is already cached in the process.
    save(&me, id, 1, 1, 0).await;
    assert_eq!(save(&other, id, 1, 2, 0).await.0, StatusCode::NOT_FOUND);
    let board = app.api_as(merit::accounts::domain::Role::Personnel).await;
    assert_eq!(
        board
            .get(&format!("/api/papers/{paper}/invigilation"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "personnel of another unit"
    );
    let view = me.get(&format!("/api/attempts/{id}")).await.json();
    assert_eq!(answer_of(&view, 1).unwrap()["seq"], 1);
}

#[tokio::test]
async fn a_rejected_applicant_cannot_start() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let apps = merit::campaigns::entity::application::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let user = merit::accounts::store::find_by_username(&app.state.db, "demo.candidate")
        .await
        .unwrap()
        .unwrap();
    let mine = apps
        .into_iter()
        .find(|a| a.candidate_id == user.id)
        .unwrap();
    let mut am: merit::campaigns::entity::application::ActiveModel = mine.into();
    am.status = Set("rejected".into());
    am.update(&app.state.db).await.unwrap();
    let r = me
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        me.get("/api/exams")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn invigilator_extra_time_extends_the_deadline_and_is_audited() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let a = start(&me, paper).await;
    let id = a["id"].as_i64().unwrap();
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr
        .post(
            &format!("/api/attempts/{id}/extra-time"),
            json!({"minutes": 10, "reason": " "}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let r = hr
        .post(
            &format!("/api/attempts/{id}/extra-time"),
            json!({"minutes": 10, "reason": "máy tính hỏng, đổi máy"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["deadline_ms"].as_i64().unwrap(),
        a["deadline_ms"].as_i64().unwrap() + 600_000
    );
    assert_eq!(
        me.get(&format!("/api/attempts/{id}")).await.json()["deadline_ms"],
        r.json()["deadline_ms"]
    );
    let board = hr
        .get(&format!("/api/papers/{paper}/invigilation"))
        .await
        .json();
    assert_eq!(board["started"], 1);
    assert_eq!(board["rows"][0]["extra_minutes_added"], 10);
    let audit = merit::audit::store::list(&app.state.db, &Default::default())
        .await
        .unwrap();
    assert!(
        format!("{audit:?}").contains("máy tính hỏng"),
        "audited with the reason"
    );
    assert_eq!(
        me.post(
            &format!("/api/attempts/{id}/extra-time"),
            json!({"minutes": 10, "reason": "x"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "candidates cannot give themselves time"
    );
}

#[tokio::test]
async fn the_paper_close_caps_the_deadline() {
    let app = TestApp::new().await;
    let (paper, p) = exam_day(&app).await;
    let closes = p["closes_ms"].as_i64().unwrap();
    app.clock.advance_ms(closes - 30 * 60_000 - app.clock_now());
    let me = candidate(&app).await;
    let a = start(&me, paper).await;
    assert_eq!(a["deadline_ms"].as_i64().unwrap(), closes);
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr
        .post(
            &format!("/api/attempts/{}/extra-time", a["id"]),
            json!({"minutes": 60, "reason": "mất điện"}),
        )
        .await;
    assert_eq!(r.json()["deadline_ms"].as_i64().unwrap(), closes);
    app.clock.advance_minutes(31);
    let other = app.api_login(OTHER, DEMO_PASSWORD).await;
    let r = other
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "closed papers cannot be started"
    );
}

#[tokio::test]
async fn sequential_order_is_enforced_on_the_server() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let row = merit::exams::store::find_paper(&app.state.db, paper as i32)
        .await
        .unwrap()
        .unwrap();
    let mut spec: Value = serde_json::from_str(&row.spec).unwrap();
    spec["navigation"] = json!("sequential");
    let mut am: merit::exams::entity::paper::ActiveModel = row.into();
    am.spec = Set(spec.to_string());
    am.update(&app.state.db).await.unwrap();
    let me = candidate(&app).await;
    let id = start(&me, paper).await["id"].as_i64().unwrap();
    assert_eq!(save(&me, id, 1, 1, 0).await.0, StatusCode::OK);
    assert_eq!(
        save(&me, id, 2, 1, 0).await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not reached yet"
    );
    let position = format!("/api/attempts/{id}/position");
    let mv = |to: i64| me.post(&position, json!({"item": to}));
    assert_eq!(
        mv(3).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no skipping"
    );
    assert_eq!(mv(2).await.status, StatusCode::NO_CONTENT);
    assert_eq!(save(&me, id, 2, 1, 0).await.0, StatusCode::OK);
    assert_eq!(
        save(&me, id, 1, 2, 1).await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no going back"
    );
    assert_eq!(mv(1).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A distinctive string in every answer's feedback and explanation of every
/// question: it must never reach the candidate, whatever they open.
#[tokio::test]
async fn no_key_or_feedback_ever_reaches_a_candidate() {
    const CANARY: &str = "CANARY-7f3a9c";
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    use merit::banks::entity::version;
    use merit::banks::model::Answer;
    for v in version::Entity::find().all(&app.state.db).await.unwrap() {
        let mut q = merit::banks::store::content(&v).unwrap();
        q.explanation = Some(CANARY.into());
        if let Answer::SingleChoice { options } | Answer::MultipleResponse { options } =
            &mut q.answer
        {
            for o in options {
                o.feedback = Some(CANARY.into());
            }
        }
        let mut am: version::ActiveModel = v.into();
        am.content = Set(serde_json::to_string(&q).unwrap());
        am.update(&app.state.db).await.unwrap();
    }
    let me = candidate(&app).await;
    let mut bodies = vec![me.get("/api/exams").await.text()];
    let r = me
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    bodies.push(r.text());
    let id = r.json()["id"].as_i64().unwrap();
    bodies.push(me.get(&format!("/api/attempts/{id}")).await.text());
    for item in 1..=5 {
        bodies.push(save(&me, id, item, 1, 0).await.1.to_string());
    }
    bodies.push(
        me.post(&format!("/api/attempts/{id}/submit"), json!({}))
            .await
            .text(),
    );
    bodies.push(me.get(&format!("/api/attempts/{id}")).await.text());
    let mut browser = app.browser();
    browser.sign_in("demo.candidate", DEMO_PASSWORD).await;
    for path in [
        "/exams".to_string(),
        format!("/attempts/{id}"),
        format!("/attempts/{id}/items/1"),
        format!("/attempts/{id}/review"),
    ] {
        bodies.push(browser.get(&path).await.text());
    }
    for b in &bodies {
        assert!(!b.contains(CANARY), "the canary reached a candidate: {b}");
        assert!(!b.contains("\"weight\""), "weights reached a candidate");
    }
}

#[tokio::test]
async fn the_exam_works_without_javascript_through_form_posts() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let mut b = app.browser();
    b.sign_in("demo.candidate", DEMO_PASSWORD).await;
    let dash = b.get("/exams").await;
    assert!(
        dash.text().contains(&format!("/exams/{paper}/start")),
        "{}",
        dash.text()
    );
    let r = b.post(&format!("/exams/{paper}/start"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let at = r.location().unwrap().to_owned();
    let r = b.get(&at).await;
    let first = r.location().unwrap().to_owned();
    assert!(first.ends_with("/items/1"), "{first}");
    let page = b.get(&first).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<fieldset") && html.contains("<legend>"),
        "accessible grouping"
    );
    assert!(html.contains("name=\"choice\""));
    let r = b
        .post(
            &first,
            &[
                ("seq", "1"),
                ("choice", "1"),
                ("flagged", "1"),
                ("go", "next"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().unwrap().ends_with("/items/2"));
    let back = b.get(&first).await.text();
    assert!(
        back.contains("value=\"1\" checked"),
        "the answer is shown again"
    );
    let id = at.rsplit('/').next().unwrap();
    let review = b.get(&format!("/attempts/{id}/review")).await.text();
    assert!(review.contains("(59)"), "59 unanswered listed");
    assert!(review.contains("(1)"), "one flagged");
    let r = b.post(&format!("/attempts/{id}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let done = b.get(&format!("/attempts/{id}/done")).await;
    assert!(done.text().contains("1 / 60"), "{}", done.text());
    let late = b
        .post(&first, &[("seq", "2"), ("choice", "2"), ("go", "stay")])
        .await;
    assert_eq!(
        late.status,
        StatusCode::CONFLICT,
        "no saving after submission"
    );
}

/// A group commit decides every write as if it had been applied alone, in
/// order: saves batched into one statement, a repeated item, a replay, a
/// submitted attempt, one past its deadline, two starts and a double start.
#[tokio::test]
async fn one_group_commit_decides_each_write_as_if_applied_alone() {
    use merit::attempts::store::NewAttempt;
    use merit::attempts::writer::{Outcome, Write, apply_batch};

    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let other = app.api_login(OTHER, DEMO_PASSWORD).await;
    let mine = start(&me, paper).await["id"].as_i64().unwrap() as i32;
    let theirs = start(&other, paper).await["id"].as_i64().unwrap() as i32;
    assert_eq!(save(&me, i64::from(mine), 2, 5, 1).await.0, StatusCode::OK);
    let now = app.clock_now();
    let db = &app.state.db;
    let row = |id: i32| async move {
        attempt::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
    };
    let my_deadline = row(mine).await.deadline_ms;
    let their_deadline = row(theirs).await.deadline_ms;
    let save_at = |attempt_id: i32, item: i32, seq: i64, index: usize, now_ms: i64| Write::Save {
        attempt_id,
        item,
        seq,
        response: Some(format!(r#"{{"kind":"choice","index":{index}}}"#)),
        now_ms,
    };
    let outcomes = apply_batch(
        &app.state.db,
        &[
            save_at(mine, 0, 1, 0, now),
            save_at(theirs, 0, 1, 1, now),
            save_at(mine, 1, 4, 0, now), // item 2: stored seq is 5
            save_at(mine, 0, 2, 1, now), // item 1 again, newer: a new run
            save_at(mine, 0, 1, 0, now), // item 1, older than the one before
            save_at(theirs, 3, 1, 0, their_deadline + 3_600_000), // far past deadline + grace
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        vec![
            Outcome::Saved {
                deadline_ms: my_deadline
            },
            Outcome::Saved {
                deadline_ms: their_deadline
            },
            Outcome::Stale {
                deadline_ms: my_deadline,
                stored_seq: 5
            },
            Outcome::Saved {
                deadline_ms: my_deadline
            },
            Outcome::Stale {
                deadline_ms: my_deadline,
                stored_seq: 2
            },
            Outcome::Refused,
        ]
    );
    let view = me.get(&format!("/api/attempts/{mine}")).await.json();
    assert_eq!(answer_of(&view, 1).unwrap()["seq"], 2);
    assert_eq!(
        answer_of(&view, 2).unwrap()["seq"],
        5,
        "the replay changed nothing"
    );
    let view = other.get(&format!("/api/attempts/{theirs}")).await.json();
    assert_eq!(answer_of(&view, 1).unwrap()["seq"], 1);
    assert!(answer_of(&view, 4).is_none(), "the late save left nothing");

    // A submit in the middle of saves: the saves after it are refused.
    let outcomes = apply_batch(
        &app.state.db,
        &[
            save_at(theirs, 5, 1, 0, now),
            Write::Submit {
                attempt_id: theirs,
                reason: "candidate",
                now_ms: now,
            },
            save_at(theirs, 6, 1, 0, now),
            save_at(mine, 6, 1, 0, now),
            // In the same statement as their submit, but far too late.
            Write::Submit {
                attempt_id: mine,
                reason: "manual",
                now_ms: my_deadline + 3_600_000,
            },
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        outcomes[4],
        Outcome::Submitted(None),
        "each submit is judged by its own time"
    );
    let submitted = match &outcomes[1] {
        Outcome::Submitted(Some(a)) => a,
        other => panic!("the submit was refused: {other:?}"),
    };
    assert_eq!(
        (
            submitted.id,
            submitted.status.as_str(),
            submitted.submitted_ms
        ),
        (theirs, "submitted", Some(now)),
        "the submit hands back the row as written"
    );
    assert_eq!(
        [&outcomes[0], &outcomes[2], &outcomes[3]],
        [
            &Outcome::Saved {
                deadline_ms: their_deadline
            },
            &Outcome::Refused,
            &Outcome::Saved {
                deadline_ms: my_deadline
            },
        ]
    );

    // Starts in one statement; a second start of the same application is
    // told the attempt exists, and so is one that already had an attempt.
    let mine_row = row(mine).await;
    let new = |application_id: i32| NewAttempt {
        paper_id: mine_row.paper_id,
        application_id,
        candidate_id: mine_row.candidate_id,
        form_id: mine_row.form_id,
        item_count: mine_row.item_count,
        sequential: false,
        started_ms: now,
        deadline_ms: now + 60_000,
        grace_ms: 0,
    };
    let free: Vec<i32> = merit::campaigns::entity::application::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .filter(|id| *id != mine_row.application_id)
        .collect();
    let theirs_app = row(theirs).await.application_id;
    let fresh: Vec<i32> = free
        .into_iter()
        .filter(|id| *id != theirs_app)
        .take(2)
        .collect();
    let outcomes = apply_batch(
        &app.state.db,
        &[
            Write::Start(new(fresh[0])),
            Write::Start(new(fresh[1])),
            Write::Start(new(mine_row.application_id)),
            Write::Start(new(fresh[0])),
        ],
    )
    .await
    .unwrap();
    assert!(
        matches!(
            outcomes[0],
            Outcome::Started {
                attempt_id: Some(_)
            }
        ),
        "{outcomes:?}"
    );
    assert!(
        matches!(
            outcomes[1],
            Outcome::Started {
                attempt_id: Some(_)
            }
        ),
        "{outcomes:?}"
    );
    assert_ne!(outcomes[0], outcomes[1]);
    assert_eq!(
        outcomes[2],
        Outcome::Started { attempt_id: None },
        "already started"
    );
    assert_eq!(
        outcomes[3],
        Outcome::Started { attempt_id: None },
        "started earlier in the batch"
    );
}

#[tokio::test]
async fn the_last_save_is_recorded_to_within_five_seconds() {
    use merit::attempts::store::LAST_SAVE_RESOLUTION_MS;
    use merit::attempts::writer::{Outcome, Write, apply_batch};

    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let me = candidate(&app).await;
    let id = start(&me, paper).await["id"].as_i64().unwrap() as i32;
    let now = app.clock_now();
    let mut recorded = Vec::new();
    for (item, at) in [
        (0, now),
        (2, now + LAST_SAVE_RESOLUTION_MS - 1),
        (4, now + LAST_SAVE_RESOLUTION_MS),
    ] {
        let batch: Vec<Write> = (item..item + 2)
            .map(|item| Write::Save {
                attempt_id: id,
                item,
                seq: 1,
                response: None,
                now_ms: at,
            })
            .collect();
        let outcomes = apply_batch(&app.state.db, &batch).await.unwrap();
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Saved { .. })),
            "{outcomes:?}"
        );
        let row = attempt::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        recorded.push(row.last_save_ms);
    }
    assert_eq!(
        recorded,
        [
            Some(now),
            Some(now), // moments later: not written again
            Some(now + LAST_SAVE_RESOLUTION_MS),
        ]
    );
}

/// The board as personnel see it through the API, and its rows' attempt ids.
async fn board_of(app: &TestApp, paper: i64, query: &str) -> (Value, Vec<i64>) {
    let path = format!("/api/papers/{paper}/invigilation{query}");
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    let b = r.json();
    let rows = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attempt_id"].as_i64().unwrap())
        .collect();
    (b, rows)
}

#[tokio::test]
async fn the_invigilation_board_filters_searches_and_pages_what_the_database_counts() {
    let app = TestApp::new().await;
    let (paper, _) = exam_day(&app).await;
    let logins = [
        "demo.candidate",
        "thisinh01@example.vn",
        "thisinh02@example.vn",
        "thisinh03@example.vn",
        "thisinh04@example.vn",
    ];
    let mut b = app.browser();
    b.sign_in("demo.personnel", DEMO_PASSWORD).await;
    let board_page = format!("/papers/{paper}/invigilation");
    let empty = b.get(&board_page).await.text();
    assert!(empty.contains("Chưa có thí sinh nào bắt đầu"), "{empty}");
    let mut ids = Vec::new();
    for login in logins {
        let me = app.api_login(login, DEMO_PASSWORD).await;
        ids.push(start(&me, paper).await["id"].as_i64().unwrap());
    }
    // A minute in, the first two save; the last submits.
    app.clock.advance_ms(60_000);
    for (n, login) in logins.iter().enumerate().take(2) {
        let me = app.api_login(login, DEMO_PASSWORD).await;
        assert_eq!(save(&me, ids[n], 1, 1, 0).await.0, StatusCode::OK);
    }
    let last = app.api_login(logins[4], DEMO_PASSWORD).await;
    let r = last
        .post(&format!("/api/attempts/{}/submit", ids[4]), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text());

    let (all, rows) = board_of(&app, paper, "").await;
    assert_eq!(
        (all["started"].as_u64(), all["submitted"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(all["matching"], 5);
    assert_eq!(rows, ids, "in start order");
    let first = all["rows"][0].clone();
    assert_eq!(first["answered"], 1, "{first}");
    assert_eq!(all["rows"][2]["answered"], 0);
    assert_eq!(board_of(&app, paper, "?show=submitted").await.1, [ids[4]]);
    assert_eq!(board_of(&app, paper, "?show=writing").await.1, ids[..4]);
    assert_eq!(board_of(&app, paper, "?q=thisinh02").await.1, [ids[2]]);
    assert_eq!(
        board_of(&app, paper, "?show=writing&q=thisinh04").await.1,
        Vec::<i64>::new()
    );

    // Five minutes after the start, those who never saved go quiet; those who
    // saved a minute in follow a minute later.
    app.clock.advance_ms(4 * 60_000 - 1);
    assert_eq!(
        board_of(&app, paper, "?show=quiet").await.1,
        Vec::<i64>::new(),
        "not yet"
    );
    app.clock.advance_ms(1);
    assert_eq!(
        board_of(&app, paper, "?show=quiet").await.1,
        [ids[2], ids[3]]
    );
    app.clock.advance_ms(60_000);
    assert_eq!(board_of(&app, paper, "?show=quiet").await.1, ids[..4]);

    // Past the last page: no rows, the totals still there.
    let (beyond, rows) = board_of(&app, paper, "?page=2").await;
    assert!(rows.is_empty());
    assert_eq!(
        (beyond["page"].as_u64(), beyond["pages"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(beyond["matching"], 5);
    // Pages of two, straight from the store: the third and fourth to start.
    use merit::clock::Clock;
    let (page, total) = merit::attempts::store::board_attempts(
        &app.state.db,
        paper as i32,
        &merit::attempts::store::BoardQuery {
            show: merit::attempts::domain::BoardShow::All,
            search: None,
            page: 2,
            page_size: 2,
            now_ms: app.clock.now_ms(),
        },
    )
    .await
    .unwrap();
    assert_eq!(total, 5);
    let page: Vec<i64> = page.iter().map(|a| i64::from(a.id)).collect();
    assert_eq!(page, ids[2..4]);

    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr
        .get(&format!("/api/papers/{paper}/invigilation?show=everyone"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("show"),
        "names the parameter: {}",
        r.text()
    );

    // The page: a search that finds nobody says so; the filter is kept in the
    // form, only the quiet shown.
    let nobody = b.get(&format!("{board_page}?q=zzz")).await.text();
    assert!(nobody.contains("Không có thí sinh nào phù hợp"), "{nobody}");
    let page = b
        .get(&format!("{board_page}?show=quiet&q=thisinh0"))
        .await
        .text();
    assert!(
        page.contains(r#"<option value="quiet" selected>"#),
        "{page}"
    );
    assert!(page.contains(r#"value="thisinh0""#), "{page}");
    for (n, id) in ids.iter().enumerate() {
        let listed = page.contains(&format!(r#"data-attempt="{id}""#));
        assert_eq!(listed, (1..4).contains(&n), "attempt {n}: {page}");
    }
}
