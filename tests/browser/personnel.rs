//! Personnel on exam day and after: approve an application, watch the
//! invigilation board while a candidate answers, add time, grade, open the
//! ranking, release it and download it as XLSX; and the staff dashboard.

use calamine::{Reader, Xlsx};
use hyper::Method;
use serde_json::json;

use crate::http::{Api, register_candidate};
use crate::setup;
use crate::web::{self, Js, journey, vi};
use crate::world::DEMO_PASSWORD;

#[tokio::test]
async fn personnel_approve_watch_the_board_add_time_release_and_download_the_ranking() {
    journey(|j| async move {
        let w = &j.world;
        let hr = setup::personnel(w).await;
        let board = setup::board(w, 1).await;
        let c = setup::campaign(&hr).await;
        let paper = setup::paper(
            &hr,
            &board,
            c.id,
            &["single_choice", "true_false", "single_choice"],
            20,
        )
        .await;
        let login = register_candidate(w, "Phạm Thị Dung").await;
        let cand = Api::login(w, &login, DEMO_PASSWORD).await;
        cand.post(
            &format!("/api/campaigns/{}/applications", c.id),
            json!({"position_id": c.position}),
        )
        .await;

        // Two rivals, approved already, so the ranking has someone to rank against.
        let mut rivals = Vec::new();
        for name in ["Hoàng Văn Em", "Vũ Thị Giang"] {
            rivals.push(setup::approved_candidate(w, &hr, &c, name).await);
        }

        let b = j.browser(Js::On).await;
        // The province's officer sees every unit on the workforce dashboard.
        b.sign_in("demo.personnel.tinh", DEMO_PASSWORD).await;
        b.goto("/staff/dashboard").await;
        b.wait_text(&vi("nav.dashboard")).await;
        web::every_control_is_labelled(&b).await;
        b.screenshot("staff-dashboard").await;
        b.sign_out().await;
        b.sign_in("demo.personnel", DEMO_PASSWORD).await;

        // Approve the application.
        b.goto(&format!("/campaigns/{}/applications", c.id)).await;
        b.wait_text("Phạm Thị Dung").await;
        web::every_control_is_labelled(&b).await;
        b.click("form[action$='/decision'] input[name=decision][value=approve] ~ button")
            .await;
        // The row's badge: the status filter above lists "approved" too.
        b.wait_element_text("tbody .badge", &vi("applications.status_approved"))
            .await;
        let mine = cand.get("/api/me/applications").await;
        assert_eq!(mine[0]["status"], "approved", "{mine}");
        setup::issue_forms(&hr, paper).await;

        // The candidate starts and answers; the board shows it.
        let attempt = cand
            .post(&format!("/api/papers/{paper}/attempt"), json!({}))
            .await;
        let id = attempt["id"].as_i64().expect("an attempt id");
        let deadline = attempt["deadline_ms"].as_i64().expect("a deadline");
        let save = |item: i64, seq: i64, response: serde_json::Value| {
            let cand = &cand;
            async move {
                cand.put(
                    &format!("/api/attempts/{id}/answers/{item}"),
                    json!({"seq": seq, "response": response}),
                )
                .await
            }
        };
        save(1, 1, json!({"kind": "choice", "index": 0})).await;
        b.goto(&format!("/papers/{paper}/invigilation")).await;
        let board_text = b.wait_text("Phạm Thị Dung").await;
        assert!(
            board_text.contains("1 / 3"),
            "one of three answered: {board_text}"
        );
        save(2, 1, json!({"kind": "boolean", "value": true})).await;
        b.c.refresh().await.expect("reload");
        b.wait_text("2 / 3").await;
        web::every_control_is_labelled(&b).await;
        b.screenshot("invigilation").await;
        web::focus_is_visible(&b).await;

        // Five more minutes for this candidate, with the reason on record.
        b.fill(&format!("#m-{id}"), "5").await;
        b.fill(&format!("#r-{id}"), "Máy tính bị treo, đổi máy")
            .await;
        b.click(&format!("form[action='/attempts/{id}/extra-time'] button"))
            .await;
        b.wait_text("(+5)").await;
        let view = cand.get(&format!("/api/attempts/{id}")).await;
        assert_eq!(
            view["deadline_ms"].as_i64(),
            Some(deadline + 5 * 60_000),
            "the deadline moved by five minutes: {view}"
        );

        // Submitted, graded from the statistics page, ranked, released.
        save(3, 1, json!({"kind": "choice", "index": 0})).await;
        cand.post(&format!("/api/attempts/{id}/submit"), json!({}))
            .await;
        for (k, login) in rivals.iter().enumerate() {
            sit(w, login, paper, k + 1).await;
        }
        b.goto(&format!("/papers/{paper}/statistics")).await;
        b.submit(&format!("form[action='/papers/{paper}/grade'] button"))
            .await;
        b.goto(&format!("/campaigns/{}/results", c.id)).await;
        let ranking = b.wait_text("Phạm Thị Dung").await;
        assert!(ranking.contains(&vi("results.not_released")), "{ranking}");
        for name in ["Hoàng Văn Em", "Vũ Thị Giang"] {
            assert!(ranking.contains(name), "{name} is ranked: {ranking}");
        }
        let rows = hr.get(&format!("/api/campaigns/{}/results", c.id)).await;
        assert!(rows.to_string().contains("Phạm Thị Dung"), "{rows}");
        // The table, not the histogram above it.
        b.js("document.querySelector('main h2').scrollIntoView()")
            .await;
        b.screenshot("ranking").await;
        assert_eq!(
            cand.request(Method::GET, "/api/results", None).await.json(),
            json!([]),
            "nothing for the candidate before release"
        );
        // Release asks first: the box must be ticked (the browser refuses the post otherwise).
        b.click(&format!(
            "form[action='/campaigns/{}/release'] input[name='confirm']",
            c.id
        ))
        .await;
        b.click(&format!(
            "form[action='/campaigns/{}/release'] button",
            c.id
        ))
        .await;
        b.wait_text(&vi("results.released")).await;
        let released = cand.get("/api/results").await;
        assert_eq!(released.as_array().map(Vec::len), Some(1), "{released}");

        // The XLSX arrives in the download folder and holds the ranking.
        b.click(&format!("a[href='/campaigns/{}/results.xlsx']", c.id))
            .await;
        let file = b.wait_download(".xlsx").await;
        let mut book: Xlsx<_> = calamine::open_workbook(&file).expect("a readable XLSX");
        let sheet = book
            .worksheet_range_at(0)
            .expect("a first sheet")
            .expect("a readable sheet");
        let cells: Vec<String> = sheet.cells().map(|(_, _, v)| v.to_string()).collect();
        assert!(
            cells.iter().any(|v| v.contains("Phạm Thị Dung")),
            "the spreadsheet lists the candidate: {cells:?}"
        );
    })
    .await;
}

/// A whole sitting through the API: start, answer every item with option
/// `pick` (or true/false by its parity), submit.
async fn sit(w: &crate::world::World, login: &str, paper: i64, pick: usize) {
    let me = Api::login(w, login, DEMO_PASSWORD).await;
    let a = me
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    let id = a["id"].as_i64().expect("an attempt id");
    let view = me.get(&format!("/api/attempts/{id}")).await;
    let kinds: Vec<String> = view["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["items"].as_array().cloned().unwrap_or_default())
        .map(|i| i["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!kinds.is_empty(), "the attempt shows its items: {view}");
    for (n, kind) in kinds.iter().enumerate() {
        let response = if kind == "true_false" {
            json!({"kind": "boolean", "value": pick.is_multiple_of(2)})
        } else {
            json!({"kind": "choice", "index": pick})
        };
        me.put(
            &format!("/api/attempts/{id}/answers/{}", n + 1),
            json!({"seq": 1, "response": response}),
        )
        .await;
    }
    me.post(&format!("/api/attempts/{id}/submit"), json!({}))
        .await;
}
