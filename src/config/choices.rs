//! The choices a platform makes once: GitOps engine, policy engine, cluster provider.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            pub fn from_name(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|choice| choice.as_str() == name)
            }

            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|choice| choice.as_str()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

choice! {
    /// The GitOps engine that deploys the repository.
    GitOps { Flux => "flux", Argocd => "argocd", }
}

choice! {
    /// The admission policy engine.
    PolicyEngine { Kyverno => "kyverno", Gatekeeper => "gatekeeper", Vap => "vap", }
}

choice! {
    /// The Cluster API infrastructure provider.
    Provider { Docker => "docker", Aws => "aws", Azure => "azure", Vsphere => "vsphere", }
}

choice! {
    /// How an application is delivered: a Kustomize base with overlays, or a Helm chart.
    Delivery { Kustomize => "kustomize", Helm => "helm", }
}
