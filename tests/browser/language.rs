//! Every page of the journeys, in Vietnamese and in English, with no raw catalog
//! key and every control labelled. Own accounts, because the language chosen is
//! stored on the account and the demo accounts are shared by the other journeys.

use serde_json::json;

use crate::http::{Api, register_candidate};
use crate::setup;
use crate::web::{self, Browser, Js, en, journey, vi};
use crate::world::DEMO_PASSWORD;

/// Visits the pages in the current language, switches with the page's own
/// button, visits them again, and switches back.
async fn in_both_languages(b: &Browser, pages: &[String]) {
    for (lang, other) in [("vi", "en"), ("en", "vi")] {
        for p in pages {
            b.goto(p).await;
            let shown = b.js("return document.documentElement.lang").await;
            assert_eq!(shown, json!(lang), "{p} in {lang}");
            let tagline = if lang == "vi" {
                vi("footer.tagline")
            } else {
                en("footer.tagline")
            };
            b.wait_text(&tagline).await;
            web::no_raw_keys(b).await;
            web::every_control_is_labelled(b).await;
        }
        b.click("form[action='/lang'] button").await;
        let deadline = std::time::Instant::now() + web::PATIENCE;
        while b.js("return document.documentElement.lang").await != json!(other) {
            assert!(
                std::time::Instant::now() < deadline,
                "the switch to {other} did nothing"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn every_journey_page_reads_in_vietnamese_and_english_without_a_raw_key() {
    journey(|j| async move {
        let w = &j.world;
        let hr = setup::personnel(w).await;
        let unit = hr.get("/api/me").await["org_unit_id"].as_i64();
        let personnel = setup::staff_account(w, "personnel", unit).await;
        let board_user = setup::staff_account(w, "board", None).await;
        let board1 = setup::board(w, 1).await;
        let c = setup::campaign(&hr).await;
        let paper = setup::paper_with_board(
            &hr,
            &board1,
            &[&board_user],
            c.id,
            &["single_choice", "matching"],
            30,
        )
        .await;
        let login = register_candidate(w, "Đỗ Minh Khoa").await;
        let cand = Api::login(w, &login, DEMO_PASSWORD).await;
        let application = cand
            .post(
                &format!("/api/campaigns/{}/applications", c.id),
                json!({"position_id": c.position}),
            )
            .await;
        hr.post(
            &format!("/api/applications/{}/decision", application["id"]),
            json!({"decision": "approve"}),
        )
        .await;
        setup::issue_forms(&hr, paper).await;
        let attempt = cand
            .post(&format!("/api/papers/{paper}/attempt"), json!({}))
            .await["id"]
            .clone();
        let admin = Api::login(w, "admin", crate::world::ADMIN_PASSWORD).await;
        let bank = admin
            .post(
                "/api/banks",
                json!({"name": crate::http::unique("Ngân hàng song ngữ ")}),
            )
            .await["id"]
            .clone();
        admin
            .post(
                &format!("/api/banks/{bank}/members"),
                json!({"username": board_user}),
            )
            .await;

        let b = j.browser(Js::On).await;
        in_both_languages(&b, &["/sign-in".into(), "/register".into()]).await;

        b.sign_in(&login, DEMO_PASSWORD).await;
        let id = c.id;
        in_both_languages(
            &b,
            &[
                "/exams".into(),
                "/campaigns".into(),
                format!("/campaigns/{id}"),
                "/my/applications".into(),
                "/results".into(),
                format!("/attempts/{attempt}/items/1"),
                format!("/attempts/{attempt}/items/2"),
                format!("/attempts/{attempt}/review"),
            ],
        )
        .await;
        b.sign_out().await;

        b.sign_in(&board_user, DEMO_PASSWORD).await;
        in_both_languages(
            &b,
            &[
                "/banks".into(),
                format!("/banks/{bank}"),
                format!("/banks/{bank}/questions"),
                format!("/banks/{bank}/questions/new"),
                format!("/banks/{bank}/import"),
                "/papers".into(),
                format!("/papers/{paper}"),
            ],
        )
        .await;
        b.sign_out().await;

        b.sign_in(&personnel, DEMO_PASSWORD).await;
        in_both_languages(
            &b,
            &[
                "/campaigns".into(),
                format!("/campaigns/{id}"),
                format!("/campaigns/{id}/applications"),
                format!("/papers/{paper}/invigilation"),
                format!("/papers/{paper}/statistics"),
                format!("/campaigns/{id}/results"),
                "/staff/dashboard".into(),
            ],
        )
        .await;
    })
    .await;
}
