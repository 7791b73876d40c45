terraform {
  required_version = ">= 1.11"
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
  }
}

# The token comes from PLATFORMER_TOKEN (never put it in a file) and the API URL from
# PLATFORMER_API_URL (https://api.platformer.com by default).
provider "platformer" {
  # Unset (null): PLATFORMER_ORGANIZATION_ID.
  organization_id = var.platformer_organization_id

  # Optional tuning.
  max_retries         = 4
  request_timeout     = "60s"
  requests_per_second = 10
}

variable "platformer_organization_id" {
  description = "UUID of the Platformer organization (shown in the Console's organization settings)."
  type        = string
  default     = null
}
