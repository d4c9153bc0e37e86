//! A form as its candidate sees it: questions in the form's order, options in
//! the form's order, and nothing that reveals a key (no weights, no feedback,
//! no original option positions). Pure.

use std::collections::HashMap;

use serde::Serialize;

use super::blueprint::Blueprint;
use super::form::Form;
use crate::banks::model::Question;
use crate::banks::render::{CandidateView, candidate_view};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// 1-based number across the whole form.
    pub number: usize,
    #[serde(flatten)]
    pub question: CandidateView,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SectionView {
    pub title: String,
    pub items: Vec<ItemView>,
}

fn permute<T: Clone>(items: &[T], order: &[u16]) -> Vec<T> {
    if order.len() != items.len() {
        return items.to_vec();
    }
    order
        .iter()
        .filter_map(|i| items.get(usize::from(*i)).cloned())
        .collect()
}

pub fn form_view(
    bp: &Blueprint,
    form: &Form,
    content: &HashMap<i64, Question>,
) -> Vec<SectionView> {
    let mut number = 0;
    form.sections
        .iter()
        .enumerate()
        .map(|(s, section)| SectionView {
            title: bp
                .sections
                .get(s)
                .map(|x| x.title.clone())
                .unwrap_or_default(),
            items: section
                .items
                .iter()
                .filter_map(|item| {
                    let q = content.get(&item.version_id)?;
                    let mut view = candidate_view(q);
                    view.points = item.points;
                    if !view.prompts_html.is_empty() {
                        view.prompts_html = permute(&view.prompts_html, &item.option_order);
                    } else {
                        view.options_html = permute(&view.options_html, &item.option_order);
                    }
                    number += 1;
                    Some(ItemView {
                        number,
                        question: view,
                    })
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::{Answer, Choice, TextFormat};
    use crate::exams::blueprint::SectionSpec;
    use crate::exams::form::{FormItem, FormSection};

    fn question() -> Question {
        Question {
            title: None,
            topic: "T".into(),
            difficulty: 2,
            points: 1.0,
            stem: "Thủ đô của Việt Nam?".into(),
            format: TextFormat::Markdown,
            answer: Answer::SingleChoice {
                options: vec![
                    Choice {
                        text: "Hà Nội".into(),
                        weight: 100.0,
                        feedback: Some("ĐÚNG-CANARY".into()),
                    },
                    Choice {
                        text: "Huế".into(),
                        weight: 0.0,
                        feedback: None,
                    },
                    Choice {
                        text: "Đà Nẵng".into(),
                        weight: 0.0,
                        feedback: None,
                    },
                ],
            },
            tags: vec![],
            explanation: Some("KEY-CANARY".into()),
        }
    }

    #[test]
    fn options_appear_in_the_forms_order_and_no_key_leaks() {
        let bp = Blueprint {
            sections: vec![SectionSpec {
                title: "KTC".into(),
                rows: vec![],
                shuffle_questions: true,
                shuffle_options: true,
            }],
        };
        let form = Form {
            seed: 7,
            sections: vec![FormSection {
                items: vec![FormItem {
                    version_id: 9,
                    row: 0,
                    points: 2.0,
                    option_order: vec![2, 0, 1],
                }],
            }],
        };
        let content = HashMap::from([(9, question())]);
        let view = form_view(&bp, &form, &content);
        let item = &view[0].items[0];
        assert_eq!(item.question.options_html, ["Đà Nẵng", "Hà Nội", "Huế"]);
        assert_eq!(item.question.points, 2.0);
        let json = serde_json::to_string(&view).unwrap();
        for canary in ["CANARY", "weight", "100", "feedback", "explanation"] {
            assert!(
                !json.contains(canary),
                "{canary} reached the candidate: {json}"
            );
        }
    }
}
