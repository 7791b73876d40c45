terraform {
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
  }
}

# Every argument can come from the environment instead:
# PLATFORMER_API_URL, PLATFORMER_TOKEN and PLATFORMER_ORGANIZATION_ID.
provider "platformer" {
  organization_id = "a1c3e000-0000-4000-8000-000000000001"

  # Optional tuning.
  max_retries         = 4
  request_timeout     = "60s"
  requests_per_second = 10
}
