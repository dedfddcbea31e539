//! The TriggerAuthentication and ClusterTriggerAuthentication rules: which sources each kind may
//! use and the pod-identity combinations KEDA rejects.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Findings, named, quoted};
use crate::path::FieldPath;
use crate::v1alpha1::TriggerAuthenticationSpec;
use crate::v1alpha1::auth::{AuthTargetRef, PodIdentity, PodIdentityProvider};

pub(super) fn check(
    metadata: &ObjectMeta,
    spec: &TriggerAuthenticationSpec,
    cluster: bool,
    findings: &mut Findings,
) {
    named(metadata, findings);
    let root = FieldPath::parse("spec");
    if spec == &TriggerAuthenticationSpec::default() {
        findings.warn(
            &root,
            None,
            "has no credential source",
            "set at least one of podIdentity, secretTargetRef, configMapTargetRef, env, \
             hashiCorpVault, azureKeyVault, gcpSecretManager, awsSecretManager or \
             boundServiceAccountToken",
        );
    }
    if !cluster && spec.file_path.is_some() {
        findings.error(
            &root.key("filePath"),
            None,
            "is set on a namespaced TriggerAuthentication",
            "filePath is only read from a ClusterTriggerAuthentication",
        );
    }
    for (field, refs) in [
        ("secretTargetRef", &spec.secret_target_ref),
        ("configMapTargetRef", &spec.config_map_target_ref),
    ] {
        for (index, target) in refs.iter().flatten().enumerate() {
            target_ref(target, &root.key(field).index(index), findings);
        }
    }
    if let Some(identity) = &spec.pod_identity {
        pod_identity(identity, &root.key("podIdentity"), findings);
    }
    if let Some(vault) = &spec.hashi_corp_vault {
        let path = root.key("hashiCorpVault");
        match vault.authentication.as_str() {
            "token"
                if vault
                    .credential
                    .as_ref()
                    .and_then(|credential| credential.token.as_deref())
                    .is_none_or(str::is_empty) =>
            {
                findings.error(
                    &path.key("credential").key("token"),
                    None,
                    "is missing",
                    "token authentication needs credential.token",
                );
            }
            "token" | "kubernetes" => {}
            other => findings.error(
                &path.key("authentication"),
                quoted(other),
                "is not a Vault authentication method",
                "authentication must be token or kubernetes",
            ),
        }
    }
}

fn target_ref(target: &AuthTargetRef, path: &FieldPath, findings: &mut Findings) {
    for (field, value) in [
        ("parameter", &target.parameter),
        ("name", &target.name),
        ("key", &target.key),
    ] {
        if value.is_empty() {
            findings.error(
                &path.key(field),
                quoted(value),
                "is empty",
                "parameter, name and key must all be set",
            );
        }
    }
}

fn pod_identity(identity: &PodIdentity, path: &FieldPath, findings: &mut Findings) {
    if identity.provider == PodIdentityProvider::AwsEks {
        findings.warn(
            &path.key("provider"),
            quoted("aws-eks"),
            "is deprecated",
            "use provider aws (with roleArn or identityOwner)",
        );
    }
    if identity.identity_tenant_id.is_some() && identity.identity_id.is_none() {
        findings.error(
            &path.key("identityTenantId"),
            identity.identity_tenant_id.as_deref().and_then(quoted),
            "is set without identityId",
            "identityTenantId requires identityId",
        );
    }
    if identity.identity_authority_host.is_some() && identity.identity_tenant_id.is_none() {
        findings.error(
            &path.key("identityAuthorityHost"),
            identity.identity_authority_host.as_deref().and_then(quoted),
            "is set without identityTenantId",
            "identityAuthorityHost requires identityTenantId",
        );
    }
    if identity.role_arn.is_some() && identity.identity_owner.is_some() {
        findings.error(
            &path.key("identityOwner"),
            None,
            "is set together with roleArn",
            "roleArn and identityOwner are mutually exclusive",
        );
    }
}
