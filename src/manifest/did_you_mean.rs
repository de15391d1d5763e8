//! "Did you mean ...?" for misspelled keys, kinds and values.

/// The candidate closest to `typed`, if it is close enough to be a likely
/// typo: equal ignoring case and `-`/`_`/space, or within an edit distance
/// of about a third of its length (at least one edit).
pub(crate) fn did_you_mean<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let folded = fold(typed);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let candidate_folded = fold(candidate);
        let distance = if candidate_folded == folded {
            0
        } else {
            edit_distance(&folded, &candidate_folded)
        };
        let limit = (candidate.chars().count().max(3) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Lower case, with `-`, `_` and spaces dropped, so `Virtual-Guest` finds
/// `virtual_guest` and `no longer needed` finds `No longer needed`.
fn fold(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Edit distance where swapping two neighbours counts as one edit
/// (optimal string alignment), since `nmae` for `name` is the typical typo.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    /// Typical typos find their key; unrelated words find nothing.
    #[test]
    fn suggests_close_candidates_only() {
        let keys = ["name", "id", "ip", "tags", "older_than", "datacenter"];
        assert_eq!(did_you_mean("nmae", keys), Some("name"));
        assert_eq!(did_you_mean("tag", keys), Some("tags"));
        assert_eq!(did_you_mean("olderthan", keys), Some("older_than"));
        assert_eq!(did_you_mean("data_center", keys), Some("datacenter"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
        assert_eq!(
            did_you_mean(
                "no longer needed",
                ["No longer needed", "Moving to competitor"]
            ),
            Some("No longer needed")
        );
    }
}
