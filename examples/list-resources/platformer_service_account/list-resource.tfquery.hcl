# The organization-level service accounts of the provider's organization.
list "platformer_service_account" "org" {
  provider = platformer
  config {}
}

# The service accounts of one project.
list "platformer_service_account" "shop" {
  provider = platformer
  config {
    project_id = "a1c3e000-0000-4000-8000-000000000002"
  }
}
