//! Following the versions list past one page while versions change (contract §13.5). Offset
//! paging under the server's default order (`-updated_at`) is not stable: an update moves a
//! version not yet seen to the front (missed) and a new one shifts the rest (seen twice). So
//! without a sort of the caller's, several pages are read in a stable order (`created_at`: new
//! versions come last, updates move nothing) and sorted here as the server would have; one page
//! is one answer, read in the server's order. Duplicates are dropped by uuid either way.

use std::cmp::Ordering;
use std::collections::HashSet;

use super::{Client, ListParams, Registry, SERVER_PAGE_MAX};
use crate::api::error::ApiError;
use crate::api::models::{ProjectVersion, Resource};

/// An order that offset paging can follow while versions change (oldest first, then uuid).
pub const STABLE_SORT: &str = "created_at,uuid";

type Versions = Vec<Resource<ProjectVersion>>;

impl Client {
    /// Versions from `p.offset`, following pages until `want` items (or all when `None`), in
    /// `p.sort` or else the server's default order, each version once.
    pub async fn list_versions_all(
        &self,
        r: &Registry,
        p: &ListParams,
        want: Option<u64>,
    ) -> Result<(Versions, Option<u64>), ApiError> {
        let one_page = want.is_some_and(|w| w <= SERVER_PAGE_MAX);
        if p.sort.is_some() || one_page {
            return self.follow_pages(r, p, want).await;
        }
        let stable = ListParams {
            offset: 0,
            sort: Some(STABLE_SORT.to_string()),
            ..p.clone()
        };
        let (mut all, count) = self.follow_pages(r, &stable, None).await?;
        all.sort_by(|a, b| most_recently_updated_first(&a.item, &b.item));
        let skip = usize::try_from(p.offset).unwrap_or(usize::MAX);
        let take = want.map_or(usize::MAX, |w| usize::try_from(w).unwrap_or(usize::MAX));
        Ok((all.into_iter().skip(skip).take(take).collect(), count))
    }

    /// Offset paging in `p`'s order, dropping a version seen on an earlier page.
    async fn follow_pages(
        &self,
        r: &Registry,
        p: &ListParams,
        want: Option<u64>,
    ) -> Result<(Versions, Option<u64>), ApiError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut params = p.clone();
        let mut count = None;
        loop {
            let remaining = want.map(|w| w.saturating_sub(out.len() as u64));
            if remaining == Some(0) {
                break;
            }
            params.limit = Some(remaining.unwrap_or(SERVER_PAGE_MAX).min(SERVER_PAGE_MAX));
            let page = self.list_versions(r, &params).await?;
            count = count.or(page.count);
            let got = page.results.len() as u64;
            out.extend(page.results.into_iter().filter(|v| match &v.item.uuid {
                Some(uuid) => seen.insert(uuid.clone()),
                None => true,
            }));
            if got == 0 || page.next.is_none() {
                break;
            }
            params.offset += got;
        }
        Ok((out, count))
    }
}

/// The server's order when no `sort` is given (`-updated_at`, contract §3.1): `updated_at`
/// descending, compared as instants (Django omits a zero fraction of a second), then
/// `created_at` descending.
fn most_recently_updated_first(a: &ProjectVersion, b: &ProjectVersion) -> Ordering {
    let key = |v: &ProjectVersion| (instant(&v.updated_at), instant(&v.created_at));
    key(b).cmp(&key(a))
}

/// A timestamp as an instant (`None` sorts last in descending order; text that is not
/// RFC 3339 as the oldest instant).
fn instant(value: &Option<String>) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = value.as_deref()?;
    Some(
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(updated: Option<&str>, created: &str) -> ProjectVersion {
        serde_json::from_value(serde_json::json!({
            "name": "x", "updated_at": updated, "created_at": created
        }))
        .unwrap()
    }

    #[test]
    fn the_default_order_compares_instants_newest_first() {
        let mut items = [
            v(Some("2026-11-27T10:00:01Z"), "2026-01-01T00:00:00Z"),
            v(Some("2026-11-27T10:00:01.500000Z"), "2026-01-01T00:00:00Z"),
            v(None, "2026-01-01T00:00:00Z"),
            v(Some("2026-11-27T10:00:00.999999Z"), "2026-01-02T00:00:00Z"),
        ];
        items.sort_by(most_recently_updated_first);
        let order: Vec<Option<&str>> = items.iter().map(|v| v.updated_at.as_deref()).collect();
        assert_eq!(
            order,
            [
                Some("2026-11-27T10:00:01.500000Z"),
                Some("2026-11-27T10:00:01Z"),
                Some("2026-11-27T10:00:00.999999Z"),
                None
            ]
        );
    }
}
