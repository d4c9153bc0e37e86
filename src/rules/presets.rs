//! The rule sets merit ships with. A campaign copies one and adjusts it; the
//! copy, not the preset, is what its results are computed from.
//!
//! Sources are legal news summaries of the decrees (see `domain.md`), not the
//! decree texts; what could not be confirmed is said in the rule set's `notes`
//! and left as a field to change, never as a constant in the engine.

use chrono::NaiveDate;

use crate::banks::model::Subject;
use crate::rules::model::{
    AppealRule, Appraisal, Combination, Label, PassMark, PriorityCategory, PriorityRule,
    PromotionEligibility, Purpose, Round, RoundRole, RuleSet, ScoreRef, Section, SectionRef,
    TieBreak, TotalPassRule,
};

pub const VN_138_2020_RECRUITMENT: &str = "vn-138-2020-recruitment";
pub const VN_170_2025_RECRUITMENT: &str = "vn-170-2025-recruitment";
pub const VN_115_2020_PROMOTION: &str = "vn-115-2020-promotion";
pub const GENERIC_MERIT: &str = "generic-merit";

/// Every preset, in the order a picker should offer them.
pub fn all() -> Vec<RuleSet> {
    vec![
        vn_170_2025_recruitment(),
        vn_138_2020_recruitment(),
        vn_115_2020_promotion(),
        generic_merit(),
    ]
}

pub fn by_id(id: &str) -> Option<RuleSet> {
    all().into_iter().find(|r| r.preset_id == id)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with literal calendar dates below.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

struct Paper {
    id: &'static str,
    vi: &'static str,
    en: &'static str,
    subject: Subject,
    questions: u32,
    minutes: u32,
    max_points: f64,
    pass_percent: Option<f64>,
    exemptible: bool,
}

impl Paper {
    fn section(&self) -> Section {
        Section {
            id: self.id.to_owned(),
            title: Label::new(self.vi, self.en),
            subject: self.subject,
            questions: self.questions,
            minutes: self.minutes,
            max_points: self.max_points,
            pass_mark: self.pass_percent.map(PassMark::Percent),
            weight: 1.0,
            negative_marking: 0.0,
            floor_at_zero: true,
            exemptible: self.exemptible,
        }
    }
}

/// A multiple-choice paper marked by the count of correct answers, one point each.
fn choice_paper(
    id: &'static str,
    vi: &'static str,
    en: &'static str,
    subject: Subject,
    questions: u32,
    exemptible: bool,
) -> Section {
    Paper {
        id,
        vi,
        en,
        subject,
        questions,
        minutes: questions,
        max_points: f64::from(questions),
        pass_percent: Some(50.0),
        exemptible,
    }
    .section()
}

fn round(id: &str, vi: &str, en: &str, role: RoundRole, sections: Vec<Section>) -> Round {
    Round {
        id: id.to_owned(),
        title: Label::new(vi, en),
        role,
        sections,
    }
}

fn category(code: &str, points: f64, vi: &str, en: &str, note: Option<&str>) -> PriorityCategory {
    PriorityCategory {
        code: code.to_owned(),
        label: Label::new(vi, en),
        points,
        note: note.map(str::to_owned),
    }
}

const TRADE_UNION_NOTE: &str = "Added by a later amendment (reported as Decree 116/2024, from \
    2024-09-17; unverified). Remove it for intakes before the amendment.";

/// Decree 138/2020 art. 5 groups, highest only; the trade-union category came later.
fn vn_priority(trade_union_note: Option<&str>) -> PriorityRule {
    PriorityRule {
        combination: Combination::HighestOnly,
        cap: None,
        categories: vec![
            category(
                "hero_or_war_invalid",
                7.5,
                "Anh hùng Lực lượng vũ trang, Anh hùng Lao động, thương binh, người hưởng chính \
                 sách như thương binh, thương binh loại B",
                "Hero of the People's Armed Forces or of Labour, war invalid, person treated as \
                 a war invalid, class-B war invalid",
                None,
            ),
            category(
                "ethnic_minority",
                5.0,
                "Người dân tộc thiểu số",
                "Member of an ethnic minority",
                None,
            ),
            category(
                "demobilised_officer",
                5.0,
                "Sĩ quan quân đội, sĩ quan công an, quân nhân chuyên nghiệp phục viên, người làm \
                 công tác cơ yếu chuyển ngành, học viên tốt nghiệp đào tạo sĩ quan dự bị",
                "Demobilised army or police officer or professional soldier, transferred \
                 cipher staff, graduate of reserve-officer training",
                None,
            ),
            category(
                "child_of_martyr_invalid_or_hero",
                5.0,
                "Con liệt sĩ, con thương binh, con bệnh binh, con của người hưởng chính sách như \
                 thương binh, con của thương binh loại B, con đẻ của người hoạt động kháng chiến \
                 bị nhiễm chất độc hóa học, con Anh hùng Lực lượng vũ trang, con Anh hùng Lao động",
                "Child of a martyr, a war invalid or sick soldier, a person treated as a war \
                 invalid, a resistance fighter exposed to toxic chemicals, or a Hero of the \
                 Armed Forces or of Labour",
                None,
            ),
            category(
                "completed_service",
                2.5,
                "Người hoàn thành nghĩa vụ quân sự, nghĩa vụ tham gia công an nhân dân, đội viên \
                 thanh niên xung phong",
                "Completed military or police service, or served as a youth volunteer",
                None,
            ),
            category(
                "trade_union_official",
                1.5,
                "Cán bộ công đoàn trưởng thành từ cơ sở, trong phong trào công nhân",
                "Trade-union official who rose from the grassroots and the workers' movement",
                trade_union_note,
            ),
        ],
    }
}

/// Round 2 scored /100; the pass rule, not the section, says ≥ 50.
fn vn_written_round(title_vi: &str, title_en: &str) -> Round {
    round(
        "round_2",
        title_vi,
        title_en,
        RoundRole::Counting,
        vec![
            Paper {
                id: "written",
                vi: "Thi viết chuyên ngành",
                en: "Specialised written paper",
                subject: Subject::Specialised,
                questions: 0,
                minutes: 180,
                max_points: 100.0,
                pass_percent: None,
                exemptible: false,
            }
            .section(),
        ],
    )
}

fn vn_appeal() -> AppealRule {
    AppealRule {
        window_days: 15,
        remark_days: 15,
        remarkable: vec![SectionRef::new("round_2", "written")],
    }
}

pub fn vn_138_2020_recruitment() -> RuleSet {
    RuleSet {
        name: "Tuyển dụng công chức — Nghị định 138/2020/NĐ-CP".to_owned(),
        preset_id: VN_138_2020_RECRUITMENT.to_owned(),
        purpose: Purpose::Recruitment,
        effective_from: date(2020, 12, 1),
        effective_until: Some(date(2025, 6, 30)),
        rounds: vec![
            round(
                "round_1",
                "Vòng 1: Thi trắc nghiệm",
                "Round 1: multiple-choice test",
                RoundRole::Qualifying,
                vec![
                    choice_paper(
                        "general_knowledge",
                        "Kiến thức chung",
                        "General knowledge",
                        Subject::GeneralKnowledge,
                        60,
                        false,
                    ),
                    choice_paper(
                        "foreign_language",
                        "Ngoại ngữ",
                        "Foreign language",
                        Subject::ForeignLanguage,
                        30,
                        true,
                    ),
                    choice_paper("it", "Tin học", "IT", Subject::It, 30, true),
                ],
            ),
            vn_written_round(
                "Vòng 2: Thi môn nghiệp vụ chuyên ngành",
                "Round 2: specialised test",
            ),
        ],
        priority: vn_priority(Some(TRADE_UNION_NOTE)),
        total_pass: Some(TotalPassRule {
            score: ScoreRef::round("round_2"),
            at_least: PassMark::Points(50.0),
        }),
        tie_breaks: vec![
            TieBreak::HigherScore {
                score: ScoreRef::round("round_2"),
            },
            TieBreak::ManualDecision,
        ],
        appeal: vn_appeal(),
        promotion: None,
        recruitment_cap_ratio: 0.5,
        score_decimals: crate::rules::model::DEFAULT_SCORE_DECIMALS,
        notes: vec![
            "Round 1 is pass/fail: at least 50% correct in each part; its results are not \
             carried to later intakes."
                .to_owned(),
            "When round 1 is taken on computer the decree drops the IT part; delete the \
             \"it\" section for such campaigns (unverified whether the preset should)."
                .to_owned(),
            "Round 2 may be an interview, a 180-minute written paper or both, scored /100; the \
             preset ships the written paper. Interviews are not re-marked."
                .to_owned(),
            "Amended by Decree 116/2024 from 2024-09-17 (foreign language only where the job \
             needs it; round 1 waived with a valid screening-test result; different tie-breaks, \
             unverified); replaced by Decree 170/2025 from 2025-07-01."
                .to_owned(),
        ],
    }
}

pub fn vn_170_2025_recruitment() -> RuleSet {
    RuleSet {
        name: "Tuyển dụng công chức — Nghị định 170/2025/NĐ-CP".to_owned(),
        preset_id: VN_170_2025_RECRUITMENT.to_owned(),
        purpose: Purpose::Recruitment,
        effective_from: date(2025, 7, 1),
        effective_until: None,
        rounds: vec![
            round(
                "round_1",
                "Vòng 1: Thi trắc nghiệm",
                "Round 1: multiple-choice test",
                RoundRole::Qualifying,
                vec![choice_paper(
                    "general_knowledge",
                    "Kiến thức chung",
                    "General knowledge",
                    Subject::GeneralKnowledge,
                    60,
                    true,
                )],
            ),
            vn_written_round(
                "Vòng 2: Thi chuyên môn, nghiệp vụ",
                "Round 2: specialised test",
            ),
        ],
        priority: vn_priority(Some(
            "Carried over from Decree 138 as amended; unverified that Decree 170 keeps it.",
        )),
        total_pass: Some(TotalPassRule {
            score: ScoreRef::round("round_2"),
            at_least: PassMark::Points(50.0),
        }),
        tie_breaks: vec![
            TieBreak::HigherScore {
                score: ScoreRef::round("round_2"),
            },
            TieBreak::HigherScore {
                score: ScoreRef::section("round_2", "written"),
            },
            TieBreak::ManualDecision,
        ],
        appeal: vn_appeal(),
        promotion: None,
        recruitment_cap_ratio: 0.5,
        score_decimals: crate::rules::model::DEFAULT_SCORE_DECIMALS,
        notes: vec![
            "Round 1 is one 60-question, 60-minute test, pass at 50%; the section is exemptible \
             for candidates with a valid screening-test result (unverified)."
                .to_owned(),
            "Round 2 may be a 180-minute written paper, a computer test of 60–120 questions in \
             90–180 minutes, or a written paper and an interview each needing 50%. For the last, \
             add an interview section with a 50% pass mark and set the two weights: how the \
             decree combines them is unverified."
                .to_owned(),
            "Ties: higher specialised (round 2) score, then higher written score, then the head \
             of the agency decides."
                .to_owned(),
        ],
    }
}

pub fn vn_115_2020_promotion() -> RuleSet {
    RuleSet {
        name: "Thi thăng hạng viên chức — Nghị định 115/2020/NĐ-CP".to_owned(),
        preset_id: VN_115_2020_PROMOTION.to_owned(),
        purpose: Purpose::Promotion,
        effective_from: date(2020, 9, 25),
        effective_until: None,
        rounds: vec![
            round(
                "round_1",
                "Các môn điều kiện",
                "Qualifying papers",
                RoundRole::Qualifying,
                vec![
                    choice_paper(
                        "general_knowledge",
                        "Kiến thức chung",
                        "General knowledge",
                        Subject::GeneralKnowledge,
                        60,
                        false,
                    ),
                    choice_paper(
                        "foreign_language",
                        "Ngoại ngữ",
                        "Foreign language",
                        Subject::ForeignLanguage,
                        30,
                        true,
                    ),
                    choice_paper("it", "Tin học", "IT", Subject::It, 30, true),
                ],
            ),
            round(
                "round_2",
                "Môn chuyên môn, nghiệp vụ",
                "Specialised paper",
                RoundRole::Counting,
                vec![
                    Paper {
                        id: "specialised",
                        vi: "Chuyên môn, nghiệp vụ",
                        en: "Specialised paper",
                        subject: Subject::Specialised,
                        questions: 0,
                        minutes: 180,
                        max_points: 100.0,
                        pass_percent: Some(50.0),
                        exemptible: false,
                    }
                    .section(),
                ],
            ),
        ],
        priority: PriorityRule {
            combination: Combination::HighestOnly,
            cap: None,
            categories: vec![],
        },
        total_pass: None,
        tie_breaks: vec![
            TieBreak::FemaleFirst,
            TieBreak::EthnicMinorityFirst,
            TieBreak::OlderFirst,
            TieBreak::LongerService,
            TieBreak::ManualDecision,
        ],
        appeal: AppealRule {
            window_days: 15,
            remark_days: 15,
            remarkable: vec![SectionRef::new("round_2", "specialised")],
        },
        promotion: Some(PromotionEligibility {
            from_grades: vec![],
            to_grade: None,
            min_months_in_grade: 0,
            min_months_in_current_grade: 0,
            min_appraisal: Appraisal::CompletedWell,
            appraisal_years: 1,
            no_discipline: true,
            required_qualifications: vec![],
        }),
        recruitment_cap_ratio: 0.5,
        score_decimals: crate::rules::model::DEFAULT_SCORE_DECIMALS,
        notes: vec![
            "Decree 115/2020 art. 39–40: every paper needs 50%; candidates are ranked on the \
             specialised paper within the quota."
                .to_owned(),
            "Grades, time in grade and qualifications depend on each profession's grade \
             standards: set them per campaign (left empty here)."
                .to_owned(),
            "Decree 85/2023 replaced promotion exams for public employees with review; keep \
             this preset for exams held under the old rules or where exams continue."
                .to_owned(),
        ],
    }
}

pub fn generic_merit() -> RuleSet {
    RuleSet {
        name: "Generic merit exam (one test, pass 70)".to_owned(),
        preset_id: GENERIC_MERIT.to_owned(),
        purpose: Purpose::Recruitment,
        effective_from: date(2020, 1, 1),
        effective_until: None,
        rounds: vec![round(
            "exam",
            "Bài thi",
            "Exam",
            RoundRole::Counting,
            vec![
                Paper {
                    id: "test",
                    vi: "Bài thi",
                    en: "Test",
                    subject: Subject::Specialised,
                    questions: 100,
                    minutes: 120,
                    max_points: 100.0,
                    pass_percent: None,
                    exemptible: false,
                }
                .section(),
            ],
        )],
        priority: PriorityRule {
            combination: Combination::HighestOnly,
            cap: None,
            categories: vec![
                category(
                    "veteran",
                    5.0,
                    "Cựu chiến binh",
                    "Veteran",
                    Some("Like US veterans' preference: added only to a passing score."),
                ),
                category(
                    "disabled_veteran",
                    10.0,
                    "Cựu chiến binh khuyết tật",
                    "Disabled veteran",
                    Some("Like US veterans' preference: added only to a passing score."),
                ),
            ],
        },
        total_pass: Some(TotalPassRule {
            score: ScoreRef::Total,
            at_least: PassMark::Percent(70.0),
        }),
        tie_breaks: vec![
            TieBreak::HigherScore {
                score: ScoreRef::Total,
            },
            TieBreak::ManualDecision,
        ],
        appeal: AppealRule {
            window_days: 10,
            remark_days: 10,
            remarkable: vec![],
        },
        promotion: None,
        recruitment_cap_ratio: 1.0,
        score_decimals: crate::rules::model::DEFAULT_SCORE_DECIMALS,
        notes: vec![
            "A starting point for other jurisdictions: one test, pass at 70%, preference \
             points that raise a passing score but never turn a fail into a pass."
                .to_owned(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::validate;

    #[test]
    fn every_preset_is_valid() {
        for r in all() {
            assert_eq!(validate(&r), Vec::<String>::new(), "{}", r.preset_id);
        }
    }

    #[test]
    fn preset_ids_are_unique_and_found_by_id() {
        let presets = all();
        for (i, r) in presets.iter().enumerate() {
            assert!(presets[..i].iter().all(|o| o.preset_id != r.preset_id));
            assert_eq!(by_id(&r.preset_id).as_ref(), Some(r));
        }
        assert_eq!(by_id("nope"), None);
    }

    #[test]
    fn decree_138_round_one_is_three_qualifying_parts_at_half() {
        let r = vn_138_2020_recruitment();
        let round_1 = r.round("round_1").map(|r| (r.role, r.sections.clone()));
        let Some((role, sections)) = round_1 else {
            panic!("round_1 missing")
        };
        assert_eq!(role, RoundRole::Qualifying);
        let shape: Vec<_> = sections
            .iter()
            .map(|s| (s.id.as_str(), s.questions, s.minutes, s.pass_mark))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("general_knowledge", 60, 60, Some(PassMark::Percent(50.0))),
                ("foreign_language", 30, 30, Some(PassMark::Percent(50.0))),
                ("it", 30, 30, Some(PassMark::Percent(50.0))),
            ]
        );
        assert_eq!(r.max_of(&ScoreRef::Total), Some(100.0));
    }

    #[test]
    fn vietnamese_priority_points_are_seven_and_a_half_five_two_and_a_half() {
        let r = vn_138_2020_recruitment();
        let points: Vec<f64> = r.priority.categories.iter().map(|c| c.points).collect();
        assert_eq!(points, vec![7.5, 5.0, 5.0, 5.0, 2.5, 1.5]);
        assert_eq!(r.priority.combination, Combination::HighestOnly);
        let union = r
            .priority
            .categories
            .iter()
            .find(|c| c.code == "trade_union_official");
        assert!(
            union.is_some_and(|c| c.note.is_some()),
            "the later amendment is noted"
        );
    }

    #[test]
    fn computer_marked_parts_are_not_re_marked() {
        for r in all() {
            for s in &r.appeal.remarkable {
                assert_ne!(s.round, "round_1", "{}", r.preset_id);
            }
        }
    }

    #[test]
    fn presets_survive_json() {
        for r in all() {
            let json = serde_json::to_string(&r).unwrap_or_default();
            let back: Option<RuleSet> = serde_json::from_str(&json).ok();
            assert_eq!(back.as_ref(), Some(&r), "{}", r.preset_id);
        }
    }
}
