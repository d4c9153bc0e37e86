//! The candidate's exam day: register, apply, sit a paper of every kind through a
//! network drop and a reload, submit; a short paper that runs out of time; the
//! same sitting without JavaScript; the released result.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::http::{Api, unique};
use crate::setup;
use crate::web::{self, Browser, Js, journey, vi};
use crate::world::DEMO_PASSWORD;

pub const EVERY_KIND: [&str; 8] = [
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "short_answer",
    "essay",
    "matching",
    "ordering",
];

/// The attempt id in `/attempts/{id}/items/{n}`.
pub async fn attempt_id(b: &Browser) -> i64 {
    let path = b.path().await;
    path.split('/')
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not on an exam page: {path}"))
}

/// Answers the question on screen the way its kind asks for, some with the
/// mouse, some with the keyboard; returns what the server should store.
pub async fn answer(b: &Browser, js: Js) -> Value {
    let kind = b
        .find("#exam")
        .await
        .attr("data-kind")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let autosaved = js == Js::On && !matches!(kind.as_str(), "matching" | "ordering");
    let expected = match kind.as_str() {
        "single_choice" => {
            b.click("input[name=choice][value='1']").await;
            json!({"kind": "choice", "index": 1})
        }
        "multiple_response" => {
            b.click("input[name=choices][value='0']").await;
            b.click("input[name=choices][value='1']").await;
            json!({"kind": "choices", "indices": [0, 1]})
        }
        "true_false" => {
            // Keyboard: Space ticks the focused radio button.
            b.find("input[name=bool][value=true]")
                .await
                .send_keys(" ")
                .await
                .expect("the radio takes keys");
            json!({"kind": "boolean", "value": true})
        }
        "numeric" => {
            b.fill("#answer-text", "1945").await;
            json!({"kind": "number", "value": 1945.0})
        }
        "short_answer" => {
            b.fill("#answer-text", "Hà Nội").await;
            json!({"kind": "text", "text": "Hà Nội"})
        }
        "essay" => {
            let text = "Cải cách hành chính bắt đầu từ thủ tục: ít giấy tờ, một cửa, trực tuyến.";
            b.fill("#answer-text", text).await;
            json!({"kind": "essay", "text": text})
        }
        "matching" => {
            let selects =
                b.c.find_all(fantoccini::Locator::Css("select[id^=match-]"))
                    .await
                    .unwrap_or_default();
            assert!(!selects.is_empty(), "a matching question shows its prompts");
            for s in &selects {
                s.select_by_index(1).await.expect("an answer to choose");
            }
            json!({"kind": "matching"})
        }
        "ordering" => {
            let ranks =
                b.c.find_all(fantoccini::Locator::Css("input[id^=rank-]"))
                    .await
                    .unwrap_or_default();
            let n = ranks.len();
            assert!(n >= 2, "an ordering question shows its items");
            // Typed as the reverse of the order shown.
            for (i, r) in ranks.iter().enumerate() {
                r.clear().await.expect("a rank field");
                r.send_keys(&(n - i).to_string())
                    .await
                    .expect("a rank field");
            }
            json!({"kind": "ordering", "order": (0..n).rev().collect::<Vec<_>>()})
        }
        other => panic!("a question of unknown kind {other:?}"),
    };
    if autosaved {
        b.wait_element_text("#save-status", &vi("exam.saved")).await;
    }
    expected
}

/// Moves to the next question through the page's own button.
async fn next(b: &Browser, attempt: i64, n: usize) {
    b.click("button[name=go][value=next]").await;
    b.wait_path(&format!("/attempts/{attempt}/items/{}", n + 1))
        .await;
}

fn answer_of(view: &Value, item: usize) -> Value {
    view["answers"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["item"] == json!(item)))
        .map(|a| a["response"].clone())
        .unwrap_or(Value::Null)
}

/// Seconds left on the countdown ("29:41" → 1781).
async fn countdown(b: &Browser) -> i64 {
    let deadline = Instant::now() + web::PATIENCE;
    loop {
        let t = b.find("#countdown").await.text().await.unwrap_or_default();
        if let Some((m, s)) = t.trim().split_once(':')
            && let (Ok(m), Ok(s)) = (m.parse::<i64>(), s.parse::<i64>())
        {
            return m * 60 + s;
        }
        assert!(Instant::now() < deadline, "the countdown shows “{t}”");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks a stored answer against what was given; matching is stored as the
/// pairs chosen, so only its presence is checked.
fn same_answer(stored: &Value, given: &Value, item: usize) {
    if given["kind"] == "matching" {
        assert_eq!(stored["kind"], "matching", "item {item}: {stored}");
        assert!(
            stored["answers"]
                .as_array()
                .is_some_and(|a| a.iter().all(|x| !x.is_null())),
            "item {item}: every prompt has an answer: {stored}"
        );
    } else {
        assert_eq!(stored, given, "item {item} as stored");
    }
}

#[tokio::test]
async fn a_candidate_registers_applies_and_sits_every_kind_through_a_network_drop_and_a_reload() {
    journey(|j| async move {
        let w = &j.world;
        let hr = setup::personnel(w).await;
        let board = setup::board(w, 1).await;
        let c = setup::campaign(&hr).await;
        let paper = setup::paper(&hr, &board, c.id, &EVERY_KIND, 30).await;
        let b = j.browser(Js::On).await;

        // Register, then sign in again as a returning candidate would.
        let email = format!("{}@example.vn", unique("nguyen.an."));
        b.goto("/register").await;
        web::every_control_is_labelled(&b).await;
        b.fill("#full_name", "Nguyễn Văn An").await;
        b.find("#date_of_birth").await.send_keys("04301995").await.expect("a date field");
        assert_eq!(b.value("#date_of_birth").await, "1995-04-30", "the date typed in");
        b.fill("#national_id", &format!("{:0>12}", unique("").trim_start_matches('0')))
            .await;
        b.fill("#email", &email).await;
        b.fill("#password", DEMO_PASSWORD).await;
        b.click("form[action='/register'] button[type=submit]").await;
        b.find("form[action='/sign-out']").await;
        b.sign_out().await;
        b.goto("/sign-in").await;
        web::every_control_is_labelled(&b).await;
        web::focus_is_visible(&b).await;
        b.screenshot("sign-in").await;
        b.sign_in(&email, DEMO_PASSWORD).await;
        assert!(b.text().await.contains("Nguyễn Văn An"), "signed in by name");

        // Apply to the campaign's position.
        b.goto("/campaigns").await;
        b.click_labelled("a", &c.title).await;
        b.select("#position_id", &c.position.to_string()).await;
        b.click("form[action$='/apply'] button[type=submit]").await;
        b.wait_path("/my/applications").await;
        b.wait_text(&vi("applications.status_submitted")).await;

        // Personnel approve and issue forms (their own journey clicks this).
        let apps = hr.get(&format!("/api/campaigns/{}/applications", c.id)).await;
        let app_id = apps["items"][0]["application"]["id"].clone();
        hr.post(
            &format!("/api/applications/{app_id}/decision"),
            json!({"decision": "approve"}),
        )
        .await;
        setup::issue_forms(&hr, paper).await;

        // Start the paper.
        b.goto("/exams").await;
        b.click(&format!("form[action='/exams/{paper}/start'] button")).await;
        b.wait_path("/attempts/").await;
        b.find("#exam").await;
        let attempt = attempt_id(&b).await;
        let me = Api::login(w, &email, DEMO_PASSWORD).await;
        let started = countdown(&b).await;
        assert!(
            (29 * 60..=30 * 60).contains(&started),
            "a 30-minute paper starts with 30 minutes: {started} s"
        );
        web::every_control_is_labelled(&b).await;

        let mut given = Vec::new();
        for n in 1..=EVERY_KIND.len() {
            b.wait_path(&format!("/attempts/{attempt}/items/{n}")).await;
            if n == 4 {
                // The network drops while the candidate types: the page says so
                // honestly, keeps retrying, and saves once the network is back.
                b.offline(true).await;
                given.push(answer_offline(&b).await);
                b.offline(false).await;
                b.wait_element_text("#save-status", &vi("exam.saved")).await;
                let stored = me.get(&format!("/api/attempts/{attempt}")).await;
                same_answer(&answer_of(&stored, 4), &given[3], 4);
            } else {
                given.push(answer(&b, Js::On).await);
            }
            if n == 1 {
                b.unfocus().await;
                b.screenshot("exam").await;
            }
            if n == 3 {
                b.click("#flagged").await;
                let cell = b.find(".palette [data-n='3']").await;
                let class = cell.attr("class").await.ok().flatten().unwrap_or_default();
                assert!(class.contains("flagged"), "the palette marks item 3: {class}");
            }
            if n == 5 {
                // A reload brings back the answer and the same deadline.
                let before = countdown(&b).await;
                b.c.refresh().await.expect("reload");
                b.find("#exam").await;
                assert_eq!(b.value("#answer-text").await, "Hà Nội", "the answer after a reload");
                let after = countdown(&b).await;
                assert!(
                    after <= before && before - after < 15,
                    "the countdown goes on from {before} s, not from the start: {after} s"
                );
                for k in 1..=4 {
                    let class = b
                        .find(&format!(".palette [data-n='{k}']"))
                        .await
                        .attr("class")
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    assert!(class.contains("answered"), "item {k} shows answered after a reload");
                }
            }
            if n < EVERY_KIND.len() {
                next(&b, attempt, n).await;
            }
        }

        // At 200% zoom, by keyboard alone: nothing overflows sideways, and Tab
        // reaches "Review and submit", then "Submit".
        b.viewport(640, 400).await;
        let overflow = b
            .js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            .await;
        assert!(
            overflow.as_i64().unwrap_or(0) <= 0,
            "the exam page scrolls sideways at 200% zoom by {overflow} px"
        );
        web::tab_to(&b, "button[name=go][value=review]").await;
        b.press(&[Key::Enter]).await;
        b.wait_path(&format!("/attempts/{attempt}/review")).await;
        let review = b.wait_text(&vi("exam.flagged_list")).await;
        assert!(review.contains(&vi("exam.all_answered")), "{review}");
        assert!(review.contains(&vi("exam.confirm")), "the page asks to confirm");
        web::tab_to(&b, &format!("form[action='/attempts/{attempt}/submit'] button")).await;
        b.press(&[Key::Enter]).await;
        b.wait_path(&format!("/attempts/{attempt}/done")).await;
        let done = b.wait_text(&vi("exam.done")).await;
        assert!(done.contains("8 / 8"), "all eight answered: {done}");
        b.viewport(1280, 800).await;

        let view = me.get(&format!("/api/attempts/{attempt}")).await;
        assert_eq!(view["status"], "submitted", "{view}");
        for (i, g) in given.iter().enumerate() {
            same_answer(&answer_of(&view, i + 1), g, i + 1);
        }
    })
    .await;
}

/// The numeric answer typed with the network down: "not saved, retrying".
async fn answer_offline(b: &Browser) -> Value {
    b.fill("#answer-text", "1945").await;
    b.wait_element_text("#save-status", &vi("exam.retrying"))
        .await;
    // Still retrying a moment later, never claiming "saved".
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = b
        .find("#save-status")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        status.contains(&vi("exam.retrying")),
        "offline, the page says “{status}”"
    );
    json!({"kind": "number", "value": 1945.0})
}

#[tokio::test]
async fn a_short_paper_submits_itself_when_time_runs_out_and_the_result_shows_after_release() {
    journey(|j| async move {
        let w = &j.world;
        let hr = setup::personnel(w).await;
        let board = setup::board(w, 1).await;
        let c = setup::campaign(&hr).await;
        let paper = setup::paper(&hr, &board, c.id, &["single_choice", "true_false"], 1).await;
        let login = setup::approved_candidate(w, &hr, &c, "Trần Thị Bình").await;
        setup::issue_forms(&hr, paper).await;

        let b = j.browser(Js::On).await;
        b.sign_in(&login, DEMO_PASSWORD).await;
        b.goto("/exams").await;
        b.click(&format!("form[action='/exams/{paper}/start'] button"))
            .await;
        b.find("#exam").await;
        let attempt = attempt_id(&b).await;
        answer(&b, Js::On).await;
        // One minute, then the page submits on its own and says so.
        b.wait_path_for(
            &format!("/attempts/{attempt}/done"),
            Duration::from_secs(100),
        )
        .await;
        let done = b.wait_text(&vi("exam.done")).await;
        assert!(done.contains("1 / 2"), "one of two answered: {done}");
        let board_view = hr.get(&format!("/api/papers/{paper}/invigilation")).await;
        let row = &board_view["rows"][0];
        assert_eq!(row["status"], "submitted", "{board_view}");
        assert_eq!(row["submit_reason"], "deadline", "{board_view}");

        // Not before release.
        b.goto("/results").await;
        b.wait_text(&vi("results.none")).await;
        hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
            .await;
        hr.post(&format!("/api/campaigns/{}/release", c.id), json!({}))
            .await;
        b.goto("/results").await;
        let text = b.wait_text(&c.title).await;
        assert!(text.contains(&vi("results.total")), "{text}");
        let mine = Api::login(w, &login, DEMO_PASSWORD)
            .await
            .get("/api/results")
            .await;
        // Failed in round 1 with no round-2 score: no total, on the page as in
        // the API, never a 0.
        match mine[0]["total"].as_f64() {
            Some(total) => assert!(
                text.contains(&format!("{total}"))
                    || text.contains(&format!("{total:.2}").replace('.', ",")),
                "the page shows the released total {total}: {text}"
            ),
            None => assert!(
                text.contains(&format!("{}\t—", vi("results.total"))),
                "the page shows no total, as the API: {text}"
            ),
        }
    })
    .await;
}

#[tokio::test]
async fn without_javascript_the_same_sitting_works_through_plain_form_posts() {
    journey(|j| async move {
        let w = &j.world;
        let hr = setup::personnel(w).await;
        let board = setup::board(w, 1).await;
        let c = setup::campaign(&hr).await;
        let paper = setup::paper(&hr, &board, c.id, &EVERY_KIND, 30).await;
        let login = setup::approved_candidate(w, &hr, &c, "Lê Văn Cường").await;
        setup::issue_forms(&hr, paper).await;

        let b = j.browser(Js::Off).await;
        b.sign_in(&login, DEMO_PASSWORD).await;
        b.goto("/exams").await;
        b.click(&format!("form[action='/exams/{paper}/start'] button"))
            .await;
        b.find("#exam").await;
        assert_eq!(
            b.js("return 1").await,
            json!(1),
            "WebDriver scripts still run; the page's own scripts do not"
        );
        assert!(
            !b.find("#countdown")
                .await
                .is_displayed()
                .await
                .unwrap_or(true),
            "no countdown without JavaScript: the deadline is shown instead"
        );
        assert!(b.text().await.contains(&vi("exam.deadline")));
        let attempt = attempt_id(&b).await;
        let mut given = Vec::new();
        for n in 1..=EVERY_KIND.len() {
            b.wait_path(&format!("/attempts/{attempt}/items/{n}")).await;
            given.push(answer(&b, Js::Off).await);
            if n == 3 {
                b.click("#flagged").await;
            }
            if n < EVERY_KIND.len() {
                next(&b, attempt, n).await;
            }
        }
        // Back to question 1 through the palette: the saved answer is there.
        b.click("button.cell[data-n='1']").await;
        b.wait_path(&format!("/attempts/{attempt}/items/1")).await;
        assert!(
            b.checked("input[name=choice][value='1']").await,
            "item 1 kept its answer"
        );
        b.click("button[name=go][value=review]").await;
        b.wait_path(&format!("/attempts/{attempt}/review")).await;
        let review = b.wait_text(&vi("exam.flagged_list")).await;
        assert!(review.contains(&vi("exam.all_answered")), "{review}");
        b.click(&format!("form[action='/attempts/{attempt}/submit'] button"))
            .await;
        b.wait_path(&format!("/attempts/{attempt}/done")).await;
        assert!(b.wait_text(&vi("exam.done")).await.contains("8 / 8"));

        let view = Api::login(w, &login, DEMO_PASSWORD)
            .await
            .get(&format!("/api/attempts/{attempt}"))
            .await;
        assert_eq!(view["status"], "submitted", "{view}");
        for (i, g) in given.iter().enumerate() {
            same_answer(&answer_of(&view, i + 1), g, i + 1);
        }
    })
    .await;
}
