//! What the server knows of each service, computed once from the plan at start-up: its keys,
//! its outputs, the views it reads (for freshness and retention) and its lookup statement. A
//! service that reads an `offline only` view has no online copy to read: it is not served, and
//! says why.

use super::retention::Retention;
use crate::compile::online::{OnlineError, service_lookup};
use crate::physical::postgres_type::PgType;
use crate::physical::{ViewLayout, view_layout};
use crate::plan::{Field, Plan, Service};
use crate::types::Type;
use std::collections::BTreeMap;

/// One view a service reads.
#[derive(Debug, Clone)]
pub struct ServedView {
    pub name: String,
    pub retention: Retention,
}

/// One servable service.
#[derive(Debug, Clone)]
pub struct ServedService {
    pub name: String,
    /// In `Service::keys` order: the lookup's first parameters and its columns after
    /// `request_index`.
    pub keys: Vec<Field>,
    /// How each key travels as a bind parameter.
    pub key_wires: Vec<PgType>,
    /// The request inputs, in `Service::request` order: the lookup's parameters after the
    /// request times, and its columns after the keys.
    pub request: Vec<Field>,
    /// How each request input travels as a bind parameter.
    pub request_wires: Vec<PgType>,
    /// Names and types of the outputs, in order (the lookup's columns after the request
    /// inputs).
    pub outputs: Vec<(String, Type)>,
    /// The included views, then any view only a derived output names.
    pub views: Vec<ServedView>,
    /// The service's lookup statement (`compile::online::service_lookup`).
    pub lookup: String,
}

/// Every service of the plan, by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    services: BTreeMap<String, ServedService>,
    /// The services that read an `offline only` view, with why they are not served.
    not_served: BTreeMap<String, String>,
    /// The online table of every view some service reads, by view name: what the deployed
    /// tables are checked against at start-up.
    layouts: BTreeMap<String, ViewLayout>,
}

impl Catalog {
    pub fn new(plan: &Plan) -> Result<Catalog, OnlineError> {
        let mut services = BTreeMap::new();
        let mut not_served = BTreeMap::new();
        for service in &plan.services {
            let offline = plan.offline_only_views(service);
            if let Some(view) = offline.first().and_then(|v| plan.view(v)) {
                not_served.insert(
                    service.name.clone(),
                    format!(
                        "service `{}` is not served: it reads `{}`, which is `offline only` ({}); it builds training sets only",
                        service.name, view.name, view.location
                    ),
                );
                continue;
            }
            services.insert(service.name.clone(), served(plan, service)?);
        }
        let mut layouts = BTreeMap::new();
        for view in services.values().flat_map(|s| &s.views) {
            if let Some(plan_view) = plan.view(&view.name) {
                layouts.insert(view.name.clone(), view_layout(plan, plan_view)?);
            }
        }
        Ok(Catalog {
            services,
            not_served,
            layouts,
        })
    }

    /// Why the service `name` is declared but not served (it reads an `offline only` view).
    pub fn why_not_served(&self, name: &str) -> Option<&str> {
        self.not_served.get(name).map(String::as_str)
    }

    /// Every declared service that is not served, with why.
    pub fn not_served(&self) -> impl Iterator<Item = &str> {
        self.not_served.values().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<&ServedService> {
        self.services.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.services.keys().map(String::as_str)
    }

    pub fn services(&self) -> impl Iterator<Item = &ServedService> {
        self.services.values()
    }

    /// The online table of view `name`, when a service reads it.
    pub fn layout(&self, name: &str) -> Option<&ViewLayout> {
        self.layouts.get(name)
    }
}

fn served(plan: &Plan, service: &Service) -> Result<ServedService, OnlineError> {
    let wires = |fields: &[Field]| {
        fields
            .iter()
            .map(|k| PgType::of_type(&k.ty.ty))
            .collect::<Result<Vec<_>, _>>()
    };
    let key_wires = wires(&service.keys)?;
    let request_wires = wires(&service.request)?;
    let views = service
        .view_names()
        .into_iter()
        .map(|name| {
            let view = plan.view(name).ok_or_else(|| OnlineError::Missing {
                kind: "view",
                name: name.to_string(),
            })?;
            Ok(ServedView {
                name: name.to_string(),
                retention: Retention::of_view(plan, view),
            })
        })
        .collect::<Result<Vec<_>, OnlineError>>()?;
    Ok(ServedService {
        name: service.name.clone(),
        keys: service.keys.clone(),
        key_wires,
        request: service.request.clone(),
        request_wires,
        outputs: service
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.ty.ty.clone()))
            .collect(),
        views,
        lookup: service_lookup(plan, service)?,
    })
}
