//! Text normalisation for matching answers and spotting duplicate questions.
//!
//! Two spellings a person would call "the same" must compare equal: case, runs
//! of spaces, and Unicode composition ("ộ" typed as one code point or as
//! o + dot below + circumflex, as some Vietnamese keyboards and macOS produce).
//! When a bank says so, Vietnamese diacritics are ignored too, so "Hà Nội" and
//! "ha noi" match.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::banks::model::{Answer, NumericValue, Question};

/// Lowercases, collapses whitespace to single spaces, trims, and composes to NFC;
/// with `ignore_diacritics`, also strips every accent and maps đ/Đ to d.
pub fn fold(s: &str, ignore_diacritics: bool) -> String {
    normalise(&s.to_lowercase(), ignore_diacritics)
}

/// [`fold`] without the lowercasing, for short answers marked case-sensitive.
pub fn fold_keep_case(s: &str, ignore_diacritics: bool) -> String {
    normalise(s, ignore_diacritics)
}

fn normalise(s: &str, ignore_diacritics: bool) -> String {
    let spaced = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if ignore_diacritics {
        // Vietnamese tone and vowel marks all decompose under NFD into a base
        // letter plus combining marks, so dropping the marks leaves the base
        // letter ("ộ" → o + U+0323 + U+0302 → "o"). đ is a letter of its own with
        // a stroke, not a mark, and has no decomposition: it is mapped by hand.
        spaced
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .map(|c| match c {
                'đ' => 'd',
                'Đ' => 'D',
                other => other,
            })
            .collect()
    } else {
        spaced.nfc().collect()
    }
}

/// A short, stable key for "the same question": the kind, the folded stem and
/// the folded answers with their weights. Options, accepted answers and pairs are
/// sorted first, since forms shuffle them anyway; ordering items are not, since
/// their order is the answer.
///
/// Title, topic, difficulty, points, tags, feedback and explanation are left out:
/// the same question filed under another topic or worth other points is still a
/// duplicate. Diacritics are kept, since in Vietnamese they change the meaning.
///
/// Stored fingerprints depend on this recipe: changing it means recomputing them.
pub fn fingerprint(q: &Question) -> String {
    let mut parts: Vec<String> = vec![q.kind().as_str().to_owned(), fold(&q.stem, false)];
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
            let mut keyed: Vec<String> = options
                .iter()
                .map(|o| format!("{}={}", number(o.weight), fold(&o.text, false)))
                .collect();
            keyed.sort();
            parts.extend(keyed);
        }
        Answer::TrueFalse { correct, .. } => parts.push(correct.to_string()),
        Answer::Numeric { answers } => {
            let mut keyed: Vec<String> = answers
                .iter()
                .map(|a| {
                    let value = match a.value {
                        NumericValue::Exact { value, tolerance } => {
                            format!("exact {} {}", number(value), number(tolerance))
                        }
                        NumericValue::Range { min, max } => {
                            format!("range {} {}", number(min), number(max))
                        }
                    };
                    format!("{}={value}", number(a.weight))
                })
                .collect();
            keyed.sort();
            parts.extend(keyed);
        }
        Answer::ShortAnswer { answers, .. } => {
            let mut keyed: Vec<String> = answers
                .iter()
                .map(|a| format!("{}={}", number(a.weight), fold(&a.text, false)))
                .collect();
            keyed.sort();
            parts.extend(keyed);
        }
        Answer::Matching { pairs } => {
            // Length-prefixed so that a "->" inside a prompt can't fake a pair boundary.
            let mut keyed: Vec<String> = pairs
                .iter()
                .map(|p| {
                    let (prompt, answer) = (fold(&p.prompt, false), fold(&p.answer, false));
                    format!("{}:{prompt}->{answer}", prompt.len())
                })
                .collect();
            keyed.sort();
            parts.extend(keyed);
        }
        Answer::Ordering { items } => parts.extend(items.iter().map(|i| fold(i, false))),
        Answer::Essay { .. } => {}
    }

    let mut hasher = Sha256::new();
    for part in &parts {
        // Each part is length-prefixed so that ["ab", "c"] and ["a", "bc"] differ.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    // 64 bits: a collision inside one bank of even a million questions is
    // vanishingly unlikely, and the key stays short enough to show and index.
    hex::encode(&hasher.finalize()[..8])
}

/// 100 and 100.0 must give the same key; -0 and 0 too.
fn number(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::{Choice, MatchPair, NumericAnswer, TextAnswer, TextFormat};

    fn question(answer: Answer) -> Question {
        Question {
            title: None,
            topic: "Địa lý".to_owned(),
            difficulty: 1,
            points: 1.0,
            stem: "Thủ đô của Việt Nam là?".to_owned(),
            format: TextFormat::Markdown,
            answer,
            tags: vec![],
            explanation: None,
        }
    }

    fn choice(text: &str, weight: f64) -> Choice {
        Choice {
            text: text.to_owned(),
            weight,
            feedback: None,
        }
    }

    fn single(options: &[(&str, f64)]) -> Question {
        question(Answer::SingleChoice {
            options: options.iter().map(|(t, w)| choice(t, *w)).collect(),
        })
    }

    #[test]
    fn fold_without_diacritics_makes_ha_noi_plain() {
        assert_eq!(fold("Hà Nội", true), "ha noi");
        assert_eq!(fold("Hà Nội", true), fold("ha noi", true));
    }

    #[test]
    fn fold_maps_d_with_stroke_to_d() {
        assert_eq!(fold("ĐÀ NẴNG", true), "da nang");
        assert_eq!(fold_keep_case("ĐÀ NẴNG", true), "DA NANG");
        assert_eq!(fold("đường", true), "duong");
    }

    #[test]
    fn fold_keeps_diacritics_unless_asked() {
        assert_eq!(fold("ĐÀ NẴNG", false), "đà nẵng");
        assert_ne!(fold("Hà Nội", false), fold("ha noi", false));
    }

    #[test]
    fn fold_collapses_and_trims_whitespace() {
        assert_eq!(fold("  thành   phố  ", false), "thành phố");
        assert_eq!(fold("\tthành\n\u{a0}phố ", true), "thanh pho");
    }

    #[test]
    fn fold_treats_decomposed_and_composed_text_alike() {
        let composed = "Nội";
        let decomposed = "No\u{323}\u{302}i";
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed, false), fold(decomposed, false));
        assert_eq!(fold(decomposed, true), "noi");
    }

    #[test]
    fn fold_keep_case_keeps_case() {
        assert_eq!(fold_keep_case("  Hà   Nội ", false), "Hà Nội");
    }

    #[test]
    fn fingerprint_ignores_option_order() {
        let a = single(&[("Hà Nội", 100.0), ("Huế", 0.0), ("Sài Gòn", 0.0)]);
        let b = single(&[("Sài Gòn", 0.0), ("Hà Nội", 100.0), ("Huế", 0.0)]);
        assert_eq!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn fingerprint_ignores_case_spacing_and_metadata() {
        let a = single(&[("Hà Nội", 100.0), ("Huế", 0.0)]);
        let mut b = single(&[("  hà   nội", 100.0), ("HUẾ", 0.0)]);
        b.stem = "thủ đô của  việt nam là? ".to_owned();
        b.topic = "Khác".to_owned();
        b.points = 2.0;
        b.difficulty = 4;
        b.tags = vec!["x".to_owned()];
        assert_eq!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn fingerprint_differs_when_the_key_differs() {
        let a = single(&[("Hà Nội", 100.0), ("Huế", 0.0)]);
        let b = single(&[("Hà Nội", 0.0), ("Huế", 100.0)]);
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn fingerprint_differs_for_another_stem_or_kind() {
        let a = single(&[("Hà Nội", 100.0), ("Huế", 0.0)]);
        let mut b = a.clone();
        b.stem = "Cố đô của Việt Nam là?".to_owned();
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let c = question(Answer::MultipleResponse {
            options: vec![choice("Hà Nội", 100.0), choice("Huế", 0.0)],
        });
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn fingerprint_keeps_diacritics() {
        let a = single(&[("Hà Nội", 100.0), ("Huế", 0.0)]);
        let b = single(&[("Ha Noi", 100.0), ("Hue", 0.0)]);
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn fingerprint_is_short_hex_and_treats_integral_weights_alike() {
        let a = single(&[("Hà Nội", 100.0), ("Huế", 0.0)]);
        let b = single(&[("Hà Nội", 100.0), ("Huế", -0.0)]);
        let key = fingerprint(&a);
        assert_eq!(key.len(), 16);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(key, fingerprint(&b));
    }

    #[test]
    fn fingerprint_follows_ordering_item_order() {
        let a = question(Answer::Ordering {
            items: vec!["một".into(), "hai".into(), "ba".into()],
        });
        let b = question(Answer::Ordering {
            items: vec!["hai".into(), "một".into(), "ba".into()],
        });
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn fingerprint_ignores_matching_pair_order_but_not_pairing() {
        let pair = |p: &str, a: &str| MatchPair {
            prompt: p.into(),
            answer: a.into(),
        };
        let a = question(Answer::Matching {
            pairs: vec![pair("Pháp", "Paris"), pair("Ý", "Rome")],
        });
        let b = question(Answer::Matching {
            pairs: vec![pair("Ý", "Rome"), pair("Pháp", "Paris")],
        });
        let c = question(Answer::Matching {
            pairs: vec![pair("Pháp", "Rome"), pair("Ý", "Paris")],
        });
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn fingerprint_separates_numeric_and_short_answers() {
        let numeric = |value: f64| {
            question(Answer::Numeric {
                answers: vec![NumericAnswer {
                    value: NumericValue::Exact {
                        value,
                        tolerance: 0.0,
                    },
                    weight: 100.0,
                    feedback: None,
                }],
            })
        };
        assert_ne!(fingerprint(&numeric(1.0)), fingerprint(&numeric(2.0)));
        let short = |text: &str| {
            question(Answer::ShortAnswer {
                answers: vec![TextAnswer {
                    text: text.into(),
                    weight: 100.0,
                    feedback: None,
                }],
                case_sensitive: false,
            })
        };
        assert_eq!(
            fingerprint(&short("Hà Nội")),
            fingerprint(&short("hà  nội"))
        );
        assert_ne!(fingerprint(&short("Hà Nội")), fingerprint(&short("Huế")));
    }
}
