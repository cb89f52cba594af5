//! A lookup request's body, checked against the service: `{"entities": [{key: value, ...},
//! ...], "at": "RFC 3339"}`. Each entity carries the service's keys and its request inputs
//! (`request amount: float`); a nullable request input may be left out (null). Every value
//! ends up in a bind parameter, never in SQL text.

use super::catalog::ServedService;
use super::error::{ApiError, ErrorCode};
use super::json::{describe, format_time, key_from_json, parse_time};
use crate::types::{Micros, Value};
use serde_json::Value as Json;

const FIELDS: [&str; 2] = ["entities", "at"];

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupRequest {
    /// One column per service key (in `ServedService::keys` order), one value per entity.
    pub key_columns: Vec<Vec<Value>>,
    /// One column per request input (in `ServedService::request` order), one value per entity.
    pub request_columns: Vec<Vec<Value>>,
    /// The request time, for every entity.
    pub at: Micros,
}

impl LookupRequest {
    pub fn len(&self) -> usize {
        self.key_columns.first().map_or(0, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses and checks `body` for `service`. `now` is the default `at` and the reference of the
/// retention bound.
pub fn parse(
    body: &[u8],
    service: &ServedService,
    max_batch: usize,
    now: Micros,
) -> Result<LookupRequest, ApiError> {
    let json: Json = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
    let Json::Object(mut object) = json else {
        return Err(invalid(format!(
            "the body must be a JSON object like {{\"entities\": [{}], \"at\": \"2024-03-15T14:22:00Z\"}}, got {}",
            example_entity(service),
            describe(&json)
        )));
    };
    if let Some(extra) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(format!(
            "unknown field `{extra}` in the body{}; a request has `entities` and optionally `at`",
            did_you_mean(extra, FIELDS)
        )));
    }
    let at = match object.remove("at") {
        None | Some(Json::Null) => now,
        Some(Json::String(text)) => {
            parse_time(&text).map_err(|e| ApiError::new(ErrorCode::InvalidAt, e))?
        }
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidAt,
                format!(
                    "`at` must be an RFC 3339 time string, got {}",
                    describe(&other)
                ),
            ));
        }
    };
    check_retention(service, at, now)?;

    let entities = match object.remove("entities") {
        Some(Json::Array(entities)) => entities,
        Some(other) => {
            return Err(invalid(format!(
                "`entities` must be an array of objects like {}, got {}",
                example_entity(service),
                describe(&other)
            )));
        }
        None => {
            return Err(invalid(format!(
                "the body lacks `entities`, an array of objects like {}",
                example_entity(service)
            )));
        }
    };
    if entities.is_empty() {
        return Err(ApiError::new(
            ErrorCode::EmptyBatch,
            "`entities` is empty: ask for at least one entity",
        ));
    }
    if entities.len() > max_batch {
        return Err(ApiError::new(
            ErrorCode::BatchTooLarge,
            format!(
                "{} entities in one request; at most {max_batch} are served at once (--max-batch)",
                entities.len()
            ),
        ));
    }

    let column = |_: &_| Vec::with_capacity(entities.len());
    let mut key_columns: Vec<Vec<Value>> = service.keys.iter().map(column).collect();
    let mut request_columns: Vec<Vec<Value>> = service.request.iter().map(column).collect();
    for (index, entity) in entities.iter().enumerate() {
        let entity_error = |message: String| {
            ApiError::new(
                ErrorCode::InvalidEntity,
                format!("entities[{index}]: {message}"),
            )
        };
        let Json::Object(fields) = entity else {
            return Err(entity_error(format!(
                "must be an object like {}, got {}",
                example_entity(service),
                describe(entity)
            )));
        };
        let known = service
            .keys
            .iter()
            .chain(&service.request)
            .map(|k| k.name.as_str());
        if let Some(extra) = fields
            .keys()
            .find(|f| !known.clone().any(|k| k == f.as_str()))
        {
            return Err(entity_error(format!(
                "`{extra}` is not a key {}of service `{}`{} (its keys: {}{})",
                if service.request.is_empty() {
                    ""
                } else {
                    "or a request input "
                },
                service.name,
                did_you_mean(extra, known.clone()),
                key_list(service),
                request_list(service)
            )));
        }
        for (column, key) in key_columns.iter_mut().zip(&service.keys) {
            let Some(json) = fields.get(&key.name) else {
                return Err(entity_error(format!(
                    "lacks the key `{}` (service `{}` has the keys {})",
                    key.name,
                    service.name,
                    key_list(service)
                )));
            };
            let value = key_from_json(&key.ty.ty, json)
                .map_err(|e| entity_error(format!("`{}` {e}", key.name)))?;
            column.push(value);
        }
        for (column, input) in request_columns.iter_mut().zip(&service.request) {
            let value = match fields.get(&input.name) {
                None | Some(Json::Null) if input.ty.nullable => Value::Null,
                None => {
                    return Err(entity_error(format!(
                        "lacks the request input `{}` ({}) of service `{}`",
                        input.name, input.ty.ty, service.name
                    )));
                }
                Some(Json::Null) => {
                    return Err(entity_error(format!(
                        "`{}` must not be null: the request input is declared `{}`, not `{}?`",
                        input.name, input.ty.ty, input.ty.ty
                    )));
                }
                Some(json) => key_from_json(&input.ty.ty, json)
                    .map_err(|e| entity_error(format!("`{}` {e}", input.name)))?,
            };
            column.push(value);
        }
    }
    Ok(LookupRequest {
        key_columns,
        request_columns,
        at,
    })
}

/// docs/serving.md: a request older than the retention allows is refused, naming the retention.
fn check_retention(service: &ServedService, at: Micros, now: Micros) -> Result<(), ApiError> {
    // The view with the latest bound (the first of equals, in the service's view order).
    let binding = service
        .views
        .iter()
        .filter_map(|v| v.retention.earliest(now).map(|earliest| (earliest, v)))
        .fold(
            None,
            |best: Option<(Micros, _)>, (earliest, view)| match best {
                Some((b, _)) if b >= earliest => best,
                _ => Some((earliest, view)),
            },
        );
    match binding {
        Some((earliest, view)) if at < earliest => Err(ApiError::new(
            ErrorCode::AtOutsideRetention,
            format!(
                "`at` {} is older than the online store keeps: {} ({}, now being {})",
                time_text(at),
                view.retention.explain(&view.name),
                time_text(earliest),
                time_text(now),
            ),
        )),
        _ => Ok(()),
    }
}

fn time_text(t: Micros) -> String {
    format_time(t).unwrap_or_else(|| format!("{t} µs"))
}

fn key_list(service: &ServedService) -> String {
    service
        .keys
        .iter()
        .map(|k| format!("`{}`: {}", k.name, k.ty.ty))
        .collect::<Vec<_>>()
        .join(", ")
}

fn request_list(service: &ServedService) -> String {
    if service.request.is_empty() {
        return String::new();
    }
    let inputs: Vec<String> = service
        .request
        .iter()
        .map(|k| format!("`{}`: {}", k.name, k.ty))
        .collect();
    format!("; its request inputs: {}", inputs.join(", "))
}

fn example_entity(service: &ServedService) -> String {
    let fields: Vec<String> = service
        .keys
        .iter()
        .chain(&service.request)
        .map(|k| format!("\"{}\": ...", k.name))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// `; did you mean `x`?` when a candidate is close to `name` (a third of its length or less
/// apart, at most 3 edits).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let distance = if c.eq_ignore_ascii_case(name) {
                0
            } else {
                strsim::damerau_levenshtein(name, c)
            };
            (distance, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::postgres_type::PgType;
    use crate::plan::Field;
    use crate::runtime::serve::catalog::ServedView;
    use crate::runtime::serve::retention::Retention;
    use crate::types::{ColumnType, MICROS_PER_DAY, Type};

    fn service() -> ServedService {
        let key = |name: &str, ty: Type| Field {
            name: name.into(),
            ty: ColumnType::required(ty),
        };
        ServedService {
            name: "scoring".into(),
            keys: vec![key("card_id", Type::String), key("shop", Type::Int)],
            key_wires: vec![
                PgType::of_type(&Type::String).expect("text"),
                PgType::of_type(&Type::Int).expect("bigint"),
            ],
            request: vec![],
            request_wires: vec![],
            outputs: vec![],
            views: vec![ServedView {
                name: "velocity".into(),
                retention: Retention::Bounded {
                    lookback: MICROS_PER_DAY,
                    longest_window: Some(MICROS_PER_DAY),
                    retain: MICROS_PER_DAY,
                    settle: 0,
                },
            }],
            lookup: String::new(),
        }
    }

    /// The service with request inputs `amount: float` and `channel: string?`.
    fn with_request() -> ServedService {
        let mut service = service();
        service.request = vec![
            Field {
                name: "amount".into(),
                ty: ColumnType::required(Type::Float),
            },
            Field {
                name: "channel".into(),
                ty: ColumnType::nullable(Type::String),
            },
        ];
        service.request_wires = vec![
            PgType::of_type(&Type::Float).expect("float8"),
            PgType::of_type(&Type::String).expect("text"),
        ];
        service
    }

    const NOW: Micros = 100 * MICROS_PER_DAY;

    #[test]
    fn request_inputs_are_read_per_entity_and_checked() {
        let parse_with = |body: &str| parse(body.as_bytes(), &with_request(), 3, NOW);
        let request = parse_with(
            r#"{"entities": [{"card_id": "c", "shop": 1, "amount": 12.5, "channel": "web"},
                             {"card_id": "d", "shop": 2, "amount": 3}]}"#,
        )
        .expect("valid");
        assert_eq!(
            request.request_columns,
            vec![
                vec![Value::Float(12.5), Value::Float(3.0)],
                vec![Value::String("web".into()), Value::Null],
            ]
        );
        let refused = |body: &str| parse_with(body).expect_err("refused");
        let missing = refused(r#"{"entities": [{"card_id": "c", "shop": 1}]}"#);
        assert_eq!(missing.code, ErrorCode::InvalidEntity);
        assert_eq!(
            missing.message,
            "entities[0]: lacks the request input `amount` (float) of service `scoring`"
        );
        let mistyped = refused(r#"{"entities": [{"card_id": "c", "shop": 1, "amount": "12"}]}"#);
        assert_eq!(
            mistyped.message,
            "entities[0]: `amount` must be a number, got a string \"12\""
        );
        let null = refused(r#"{"entities": [{"card_id": "c", "shop": 1, "amount": null}]}"#);
        assert!(
            null.message.contains("`amount` must not be null"),
            "{}",
            null.message
        );
        let unknown =
            refused(r#"{"entities": [{"card_id": "c", "shop": 1, "amount": 1, "chanel": "x"}]}"#);
        assert!(
            unknown
                .message
                .contains("`chanel` is not a key or a request input")
                && unknown.message.contains("did you mean `channel`?"),
            "{}",
            unknown.message
        );
    }

    fn parse_str(body: &str) -> Result<LookupRequest, ApiError> {
        parse(body.as_bytes(), &service(), 3, NOW)
    }

    fn code(body: &str) -> ErrorCode {
        parse_str(body).expect_err("refused").code
    }

    #[test]
    fn a_valid_request_becomes_key_columns() {
        let request = parse_str(
            r#"{"entities": [{"card_id": "c_1", "shop": 1}, {"shop": 2, "card_id": "x'; drop table t; --"}],
                "at": "1970-04-10T00:00:00Z"}"#,
        )
        .expect("valid");
        assert_eq!(
            request.key_columns,
            vec![
                vec![
                    Value::String("c_1".into()),
                    Value::String("x'; drop table t; --".into())
                ],
                vec![Value::Int(1), Value::Int(2)],
            ]
        );
        assert_eq!(request.at, 99 * MICROS_PER_DAY);
        assert_eq!(request.len(), 2);
        let defaulted = parse_str(r#"{"entities": [{"card_id": "c", "shop": 1}]}"#).expect("valid");
        assert_eq!(defaulted.at, NOW);
    }

    #[test]
    fn each_mistake_has_its_code() {
        assert_eq!(code("{"), ErrorCode::MalformedJson);
        assert_eq!(code("[]"), ErrorCode::InvalidRequest);
        assert_eq!(code(r#"{"entity": []}"#), ErrorCode::InvalidRequest);
        assert_eq!(code(r#"{"entities": {}}"#), ErrorCode::InvalidRequest);
        assert_eq!(
            code(r#"{"at": "1970-04-10T00:00:00Z"}"#),
            ErrorCode::InvalidRequest
        );
        assert_eq!(code(r#"{"entities": []}"#), ErrorCode::EmptyBatch);
        let four = r#"{"card_id": "c", "shop": 1}"#;
        assert_eq!(
            code(&format!(
                r#"{{"entities": [{four}, {four}, {four}, {four}]}}"#
            )),
            ErrorCode::BatchTooLarge
        );
        assert_eq!(code(r#"{"entities": [1]}"#), ErrorCode::InvalidEntity);
        assert_eq!(
            code(r#"{"entities": [{"card_id": "c", "shop": "1"}]}"#),
            ErrorCode::InvalidEntity
        );
        assert_eq!(
            code(r#"{"entities": [{"card_id": "c", "shop": 1}], "at": "yesterday"}"#),
            ErrorCode::InvalidAt
        );
        assert_eq!(
            code(r#"{"entities": [{"card_id": "c", "shop": 1}], "at": 5}"#),
            ErrorCode::InvalidAt
        );
        assert_eq!(
            code(r#"{"entities": [{"card_id": "c", "shop": 1}], "at": "1970-04-08T23:59:59Z"}"#),
            ErrorCode::AtOutsideRetention
        );
    }

    #[test]
    fn entity_errors_name_the_entity_and_the_field() {
        let error = parse_str(r#"{"entities": [{"card_id": "c", "shop": 1}, {"card_id": "c"}]}"#)
            .expect_err("refused");
        assert!(
            error
                .message
                .starts_with("entities[1]: lacks the key `shop`"),
            "{}",
            error.message
        );
        let error =
            parse_str(r#"{"entities": [{"card_id": "c", "shops": 1}]}"#).expect_err("refused");
        assert!(
            error.message.contains("entities[0]: `shops` is not a key")
                && error.message.contains("did you mean `shop`?"),
            "{}",
            error.message
        );
        let error = parse_str(r#"{"entities": [{"card_id": 7, "shop": 1}]}"#).expect_err("refused");
        assert_eq!(
            error.message,
            "entities[0]: `card_id` must be a string, got a number 7"
        );
    }

    #[test]
    fn the_retention_error_names_the_view_and_its_retain() {
        let error = parse_str(
            r#"{"entities": [{"card_id": "c", "shop": 1}], "at": "1970-01-01T00:00:00Z"}"#,
        )
        .expect_err("refused");
        assert!(
            error.message.contains("view `velocity`")
                && error.message.contains("1d (retain)")
                && error.message.contains("1970-04-10T00:00:00.000000Z"),
            "{}",
            error.message
        );
    }
}
