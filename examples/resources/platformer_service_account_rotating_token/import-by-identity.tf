import {
  to = platformer_service_account_rotating_token.ci
  identity = {
    service_account_ids = ["7d3f6a2e-1c4b-4f5a-9e8d-2b6c0a9f1e37", "2a9c4e1b-6d3f-4b8a-9c7e-5f1d0b3a8e62"]
  }
}
