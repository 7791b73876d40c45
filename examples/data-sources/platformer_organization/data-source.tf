data "platformer_organization" "acme" {
  name = "acme"
}

output "organization_id" {
  value = data.platformer_organization.acme.id
}
