resource "platformer_service_account" "auditor" {
  name        = "auditor"
  permissions = ["organization.viewer"]
}

# By name, among the organization-level accounts.
data "platformer_service_account" "auditor" {
  name       = "auditor"
  depends_on = [platformer_service_account.auditor]
}

# By id.
data "platformer_service_account" "by_id" {
  id = platformer_service_account.auditor.id
}

output "auditor_level" {
  value = data.platformer_service_account.auditor.level
}
