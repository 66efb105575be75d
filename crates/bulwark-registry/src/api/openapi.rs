//! `GET /api/v1/openapi.json`: the hand-written OpenAPI 3.1 document (`openapi.json`
//! beside this file), served as it is. A test keeps it and [`super::ENDPOINTS`] in step.

use axum::http::header;
use axum::response::IntoResponse;

/// The OpenAPI 3.1 document describing every management endpoint.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// Serves [`DOCUMENT`].
pub async fn get() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::ENDPOINTS;
    use super::DOCUMENT;

    fn document() -> serde_json::Value {
        serde_json::from_str(DOCUMENT).expect("openapi.json is valid JSON")
    }

    #[test]
    fn every_route_is_documented_and_every_documented_operation_is_routed() {
        let doc = document();
        let routed: BTreeSet<(String, String)> = ENDPOINTS
            .iter()
            .map(|e| (e.verb.as_str().to_string(), e.openapi_path()))
            .collect();
        assert_eq!(routed.len(), ENDPOINTS.len(), "an endpoint is listed twice");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (key, _) in item.as_object().expect("path item") {
                if matches!(
                    key.as_str(),
                    "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
                ) {
                    documented.insert((key.clone(), path.clone()));
                }
            }
        }
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.json: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "openapi.json documents routes that do not exist: {unrouted:?}"
        );
    }

    #[test]
    fn every_reference_resolves_and_path_parameters_are_declared() {
        let doc = document();
        let text = DOCUMENT;
        let mut rest = text;
        while let Some(at) = rest.find("\"$ref\": \"#/") {
            let tail = &rest[at + 11..];
            let end = tail.find('"').expect("closing quote");
            let pointer = &tail[..end];
            assert!(
                doc.pointer(&format!("/{pointer}")).is_some(),
                "dangling $ref #/{pointer}"
            );
            rest = &tail[end..];
        }
        let components = &doc["components"]["parameters"];
        for (path, item) in doc["paths"].as_object().expect("paths") {
            let mut declared = BTreeSet::new();
            let mut collect = |params: &serde_json::Value| {
                for p in params.as_array().into_iter().flatten() {
                    let p = match p["$ref"].as_str() {
                        Some(r) => &components[r.trim_start_matches("#/components/parameters/")],
                        None => p,
                    };
                    if p["in"] == "path" {
                        declared.insert(p["name"].as_str().expect("name").to_string());
                    }
                }
            };
            collect(&item["parameters"]);
            for (_, op) in item.as_object().expect("item") {
                collect(&op["parameters"]);
            }
            let used: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(str::to_string)
                .collect();
            assert_eq!(used, declared, "path parameters of {path}");
        }
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["components"]["securitySchemes"]["basicAuth"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearerAuth"].is_object());
    }
}
