//! Each journey's own campaign, paper and candidates, made through the JSON API
//! as the demo's personnel officer and exam board would.

use serde_json::{Value, json};

use crate::http::{Api, unique};
use crate::world::{DEMO_PASSWORD, World};

const DAY: i64 = 86_400_000;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub async fn personnel(w: &World) -> Api {
    Api::login(w, "demo.personnel", DEMO_PASSWORD).await
}

pub async fn board(w: &World, n: u8) -> Api {
    Api::login(w, &format!("demo.board{n}"), DEMO_PASSWORD).await
}

pub struct Campaign {
    pub id: i64,
    pub title: String,
    pub position: i64,
}

/// A published recruitment campaign of the demo's Department of Home Affairs,
/// open for applications now, with one position.
pub async fn campaign(hr: &Api) -> Campaign {
    let me = hr.get("/api/me").await;
    let title = unique("Tuyển dụng thử nghiệm ");
    let c = hr
        .post(
            "/api/campaigns",
            json!({
                "title": title,
                "kind": "recruitment",
                "org_unit_id": me["org_unit_id"],
                "preset": "vn-170-2025-recruitment",
                "applies_from_ms": now_ms() - DAY,
                "applies_until_ms": now_ms() + 30 * DAY,
                "positions": [{"code": "CV-01", "title": "Chuyên viên pháp chế", "quota": 1}],
            }),
        )
        .await;
    let id = c["id"].as_i64().expect("a campaign id");
    hr.post(&format!("/api/campaigns/{id}/publish"), json!({}))
        .await;
    let detail = hr.get(&format!("/api/campaigns/{id}")).await;
    Campaign {
        id,
        title,
        position: detail["positions"][0]["id"].as_i64().expect("a position"),
    }
}

/// A paper of one question of each kind, in this order, from the demo's
/// general-knowledge bank (which has every kind), not shuffled, open now.
/// Published by demo.board1, with the usual 30 s of grace after the deadline.
pub async fn paper(hr: &Api, board: &Api, campaign: i64, kinds: &[&str], minutes: i64) -> i64 {
    paper_with_board(hr, board, &[], campaign, kinds, minutes).await
}

/// As [`paper`], with more board members assigned than demo.board1 and 2.
pub async fn paper_with_board(
    hr: &Api,
    board: &Api,
    more_members: &[&str],
    campaign: i64,
    kinds: &[&str],
    minutes: i64,
) -> i64 {
    let mut members = vec!["demo.board1", "demo.board2"];
    members.extend_from_slice(more_members);
    let p = hr
        .post(
            &format!("/api/campaigns/{campaign}/papers"),
            json!({"title": unique("Bài thi "), "round": 1, "board": members}),
        )
        .await;
    let id = p["id"].as_i64().expect("a paper id");
    let banks = board.get("/api/banks").await;
    let bank = banks
        .as_array()
        .and_then(|all| all.iter().find(|b| b["subject"] == "general_knowledge"))
        .unwrap_or_else(|| panic!("the demo's general-knowledge bank is missing: {banks}"))["id"]
        .clone();
    let rows: Vec<Value> = kinds
        .iter()
        .map(|k| {
            json!({"bank_id": bank, "topics": [], "difficulty_min": 1, "difficulty_max": 5,
                   "kind": k, "count": 1, "points_each": 10.0})
        })
        .collect();
    let opens = now_ms() - 60_000;
    board
        .put(
            &format!("/api/papers/{id}"),
            json!({
                "title": p["title"],
                "spec": {
                    "blueprint": {"sections": [{"title": "Kiến thức chung", "rows": rows,
                        "shuffle_questions": false, "shuffle_options": false}]},
                    "navigation": "free",
                    "release": "scores",
                },
                "time_limit_minutes": minutes,
                "opens_ms": opens,
                "closes_ms": opens + DAY,
                "grace_seconds": 30,
            }),
        )
        .await;
    board
        .post(&format!("/api/papers/{id}/publish"), json!({}))
        .await;
    id
}

/// A candidate who registered, applied to the campaign and was approved.
pub async fn approved_candidate(w: &World, hr: &Api, c: &Campaign, full_name: &str) -> String {
    let login = crate::http::register_candidate(w, full_name).await;
    let me = Api::login(w, &login, DEMO_PASSWORD).await;
    let a = me
        .post(
            &format!("/api/campaigns/{}/applications", c.id),
            json!({"position_id": c.position}),
        )
        .await;
    hr.post(
        &format!("/api/applications/{}/decision", a["id"]),
        json!({"decision": "approve"}),
    )
    .await;
    login
}

/// Forms are drawn for the approved applicants when personnel issue them.
pub async fn issue_forms(hr: &Api, paper: i64) {
    hr.post(&format!("/api/papers/{paper}/forms"), json!({}))
        .await;
}

/// A staff account made by the administrator, so a journey can change its
/// settings (such as its language) without touching the demo accounts.
pub async fn staff_account(w: &World, role: &str, unit: Option<i64>) -> String {
    let admin = Api::login(w, "admin", crate::world::ADMIN_PASSWORD).await;
    let username = unique(&format!("{role}."));
    admin
        .post(
            "/api/accounts",
            json!({"username": username, "full_name": format!("Người thử {username}"),
                   "role": role, "org_unit_id": unit, "password": DEMO_PASSWORD}),
        )
        .await;
    username
}
