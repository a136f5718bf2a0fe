//! What anyone may read: published advisories, the OSV-style query, the Atom feed and the
//! CSAF provider.

use crate::AppState;
use crate::services::{Result, ServiceError, projects};
use advisory::{Format, Status};
use domain::project::Project;
use jiff::Timestamp;
use serde_json::Value;
use store::AdvisoryRecord;

use super::exports::{csaf_path, export};

/// A project's published and withdrawn advisories, for anyone.
pub async fn public_list(state: &AppState, slug: &str) -> Result<(Project, Vec<AdvisoryRecord>)> {
    let project = projects::public(state, slug).await?;
    let list = store::advisories::list(&mut *state.db.read().await?, project.id, true).await?;
    Ok((project, list))
}

/// One published or withdrawn advisory of the project `slug`; drafts, and advisories of
/// other projects, are "not found".
pub async fn public_get(
    state: &AppState,
    slug: &str,
    id: &str,
) -> Result<(Project, AdvisoryRecord)> {
    let project = projects::public(state, slug).await?;
    match store::advisories::by_id(&mut *state.db.read().await?, id).await? {
        Some(r) if r.project_id == project.id && r.is_public() => Ok((project, r)),
        _ => Err(ServiceError::NotFound("advisory")),
    }
}

// The OSV-style query ------------------------------------------------------------------------

/// Published advisories affecting `version` of a package (all of the package's when no
/// version is given), as OSV records. Undecidable ranges (GIT, unknown schemes) do not match.
pub async fn query(
    state: &AppState,
    ecosystem: Option<&str>,
    name: &str,
    version: Option<&str>,
) -> Result<Vec<Value>> {
    if name.trim().is_empty() {
        return Err(ServiceError::field("package.name", "is required"));
    }
    let found =
        store::advisories::published_for_package(&mut *state.db.read().await?, ecosystem, name)
            .await?;
    let mut out = Vec::new();
    for r in found {
        if let Some(v) = version
            && r.advisory.affects(ecosystem, name, v) != Some(true)
        {
            continue;
        }
        match advisory::osv::to_osv(&r.advisory) {
            Ok(doc) => out.push(doc),
            Err(e) => tracing::warn!(advisory = %r.id(), error = %e, "advisory has no OSV form"),
        }
    }
    Ok(out)
}

// Atom --------------------------------------------------------------------------------------

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The public page of an advisory.
pub fn page_url(state: &AppState, project: &Project, id: &str) -> String {
    format!(
        "{}/p/{}/advisories/{}",
        state.public_url,
        project.slug.as_str(),
        id
    )
}

/// An Atom feed (RFC 4287) of a project's published and withdrawn advisories.
pub async fn atom_feed(state: &AppState, slug: &str) -> Result<String> {
    // The most recently modified page of them (the lists' default of 50): a feed reader
    // only needs what changed lately.
    let page = super::public_page(state, slug, None, None).await?;
    let (project, list) = (page.project, page.items);
    let feed_url = format!(
        "{}/p/{}/advisories.atom",
        state.public_url,
        project.slug.as_str()
    );
    let updated = list
        .iter()
        .map(|r| r.advisory.modified)
        .max()
        .unwrap_or(project.created_at);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!(
        "  <title>{}</title>\n  <id>{}</id>\n  <updated>{}</updated>\n  <link rel=\"self\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <author><name>{}</name></author>\n",
        xml_escape(&format!("Security advisories of {}", project.name)),
        xml_escape(&feed_url),
        updated,
        xml_escape(&feed_url),
        xml_escape(&format!("{}/p/{}/advisories", state.public_url, project.slug.as_str())),
        xml_escape(&project.name),
    ));
    for r in &list {
        let a = &r.advisory;
        let url = page_url(state, &project, &a.id);
        let title = match a.status {
            Status::Withdrawn => format!("[Withdrawn] {}: {}", a.id, a.summary),
            _ => format!("{}: {}", a.id, a.summary),
        };
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <title>{}</title>\n", xml_escape(&title)));
        x.push_str(&format!("    <id>{}</id>\n", xml_escape(&url)));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&url)
        ));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{}\"/>\n",
            xml_escape(&format!("{url}.osv.json"))
        ));
        if let Some(p) = a.published {
            x.push_str(&format!("    <published>{p}</published>\n"));
        }
        x.push_str(&format!("    <updated>{}</updated>\n", a.modified));
        if !a.details.trim().is_empty() {
            x.push_str(&format!(
                "    <summary type=\"text\">{}</summary>\n",
                xml_escape(a.details.trim())
            ));
        }
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    Ok(x)
}

// CSAF provider ----------------------------------------------------------------------------

/// `provider-metadata.json` (CSAF §7.1.7) with the directory distribution, when CSAF is
/// enabled.
pub async fn csaf_provider_metadata(state: &AppState) -> Result<Value> {
    if !state.config.csaf.enabled {
        return Err(ServiceError::NotFound("CSAF provider"));
    }
    let list = store::advisories::public(&mut *state.db.read().await?).await?;
    let last = list
        .iter()
        .map(|r| r.advisory.modified)
        .max()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let c = &state.config.csaf;
    let publisher = advisory::csaf::Publisher {
        category: c.publisher_category.clone(),
        name: if c.publisher_name.is_empty() {
            "Embargo".to_owned()
        } else {
            c.publisher_name.clone()
        },
        namespace: if c.publisher_namespace.is_empty() {
            state.public_url.clone()
        } else {
            c.publisher_namespace.clone()
        },
        contact_details: (!c.contact_details.is_empty()).then(|| c.contact_details.clone()),
    };
    let base = &state.public_url;
    Ok(advisory::csaf::provider_metadata(
        &publisher,
        advisory::csaf::ProviderRole::Provider,
        &format!("{base}/.well-known/csaf/provider-metadata.json"),
        last,
        Some(&format!("{base}/.well-known/csaf/white/")),
        &[],
    ))
}

/// The published advisories of the directory distribution, by path.
pub async fn csaf_directory(state: &AppState) -> Result<Vec<(String, AdvisoryRecord)>> {
    if !state.config.csaf.enabled {
        return Err(ServiceError::NotFound("CSAF provider"));
    }
    Ok(store::advisories::public(&mut *state.db.read().await?)
        .await?
        .into_iter()
        .map(|r| (csaf_path(&r.advisory), r))
        .collect())
}

/// One CSAF document of the directory distribution, by its path.
pub async fn csaf_document(state: &AppState, path: &str) -> Result<Value> {
    let found = csaf_directory(state)
        .await?
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, r)| r)
        .ok_or(ServiceError::NotFound("CSAF document"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, found.project_id)
        .await?
        .ok_or(ServiceError::NotFound("CSAF document"))?;
    export(state, &project, &found, Format::Csaf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_text_is_escaped() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos; "
        );
    }
}
