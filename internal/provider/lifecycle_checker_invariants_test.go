package provider

import (
	"context"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// The invariants of the generative checker (lifecycle_checker_test.go), checked after
// every step (checkStep) and at the end of every schedule (converges).

// tokenAddrs are the token resources and the accounts whose tokens they hold.
var tokenAddrs = map[string][]string{addrTok: {addrAcctT}, addrRot: {addrAcctA, addrAcctB}}

// checkStep checks the invariants after one step; before is the world before it.
func (m *machine) checkStep(before consoleView, res stepResult, renewals map[string]int) {
	after := m.snapshot()
	m.checkAccountsKept(before, after, res)
	if !res.failed && (res.kind == "apply" || res.kind == "read") {
		m.checkWorking(after, res)
	}
	m.checkRenewals(before, res, renewals)
	m.checkWarnings(before, after, res)
	if res.kind == "destroy" && !res.failed {
		m.checkDestroyed(before)
	}
	if res.kind == "ephemeral" && !res.failed && res.only != "" {
		invariant()
		if _, ok := after.byID[res.only]; ok {
			m.t.Fatalf("INVARIANT ephemeral: the ephemeral account %s is still there after a successful close", res.only)
		}
	}
}

// checkDestroyed: after a successful destroy, no token that was in state works.
func (m *machine) checkDestroyed(before consoleView) {
	for _, addr := range []string{addrTok, addrRot} {
		token := str(before.state[addr], "token")
		if token == "" {
			continue
		}
		invariant()
		if m.authenticates(token) {
			m.t.Fatalf("INVARIANT destroy: the token that %s held (token id %s) still works after a successful destroy",
				addr, str(before.state[addr], "token_id"))
		}
	}
}

// invariant counts one invariant checked.
func invariant() { checkerStats.checks.Add(1) }

// checkAccountsKept: no account deleted but by destroy, and never two of one name.
func (m *machine) checkAccountsKept(before, after consoleView, res stepResult) {
	for name, n := range after.byName {
		invariant()
		if n > 1 {
			m.t.Fatalf("INVARIANT no second account: %d accounts named %q", n, name)
		}
	}
	if res.kind == "destroy" {
		return
	}
	for id, sa := range before.byID {
		invariant()
		if _, ok := after.byID[id]; !ok && !(res.kind == "ephemeral" && strings.HasPrefix(sa.Name, ephemeralPrefix)) {
			m.t.Fatalf("INVARIANT no account deleted: account %q (%s) is gone after a step that does not destroy", sa.Name, id)
		}
	}
}

// checkWorking: after a successful apply every token resource holds a token, and every
// token in state works, unless it expired by time.
func (m *machine) checkWorking(after consoleView, res stepResult) {
	for _, addr := range []string{addrTok, addrRot} {
		in := m.core.state[addr]
		if in == nil || (res.only != "" && res.only != addr) {
			continue
		}
		invariant()
		token := str(in.state, "token")
		if token == "" {
			if res.kind == "apply" {
				m.t.Fatalf("INVARIANT working: %s holds no token after a successful apply", addr)
			}
			continue
		}
		if m.authenticates(token) {
			continue
		}
		id := str(in.state, "token_id")
		if m.expiredByTime(after, id) || m.renewedElsewhereLast(after, in.state) {
			continue
		}
		m.t.Fatalf("INVARIANT working: the token in state of %s (token id %s) does not work after a successful %s; "+
			"the Console's accounts: %s", addr, id, res.kind, after.tokens())
	}
}

// expiredByTime reports whether the Console's current token of some account has token
// id id and has expired on the Console's clock.
func (m *machine) expiredByTime(v consoleView, id string) bool {
	for _, sa := range v.byID {
		if sa.TokenID == id {
			return sa.TokenExpiresAt != nil && !v.now.Before(*sa.TokenExpiresAt)
		}
	}
	return false
}

// renewedElsewhereLast reports whether the account of a token resource's state was last
// renewed by someone else during the step: the provider may have read it before.
func (m *machine) renewedElsewhereLast(v consoleView, state tftypes.Value) bool {
	id := str(state, "active_service_account_id")
	if id == "" {
		id = str(state, "service_account_id")
	}
	return m.stepExternal[v.byID[strings.ToLower(id)].TokenID]
}

// tokens describes the accounts' tokens, for messages.
func (v consoleView) tokens() string {
	var b strings.Builder
	for _, sa := range v.byID {
		exp := "never"
		if sa.TokenExpiresAt != nil {
			exp = sa.TokenExpiresAt.Format("15:04:05")
		}
		b.WriteString(sa.Name + "=" + sa.TokenID + " (expires " + exp + ") ")
	}
	return b.String() + "now " + v.now.Format("15:04:05")
}

// checkRenewals: a refresh, an import or a plan renews nothing; an apply renews only
// for resources whose plan changed something; a revoke only the account revoked.
func (m *machine) checkRenewals(before consoleView, res stepResult, renewals map[string]int) {
	allowed := map[string]bool{}
	switch res.kind {
	case "destroy", "world":
		return
	case "revoke":
		allowed[res.revoked] = true
	case "ephemeral":
		// Its own account only (a renewal after its creation's answer was lost).
		for id := range renewals {
			allowed[id] = true
		}
		for _, addr := range []string{addrAcctT, addrAcctA, addrAcctB} {
			delete(allowed, m.accountID(addr))
		}
	case "apply":
		if res.killed || res.noop == nil {
			return
		}
		for addr, noop := range res.noop {
			if noop {
				continue
			}
			for _, a := range append([]string{addr}, tokenAddrs[addr]...) {
				allowed[strings.ToLower(str(before.state[a], "id"))] = true
				allowed[m.accountID(a)] = true
			}
		}
	}
	for id, n := range renewals {
		invariant()
		if !allowed[id] {
			m.t.Fatalf("INVARIANT no harm: a %s step renewed the token of account %s %d times, which its plan did not ask for",
				res.kind, id, n)
		}
	}
}

var (
	accountInDetail = regexp.MustCompile(`service account ([0-9a-fA-F-]{36})`)
	stateHeld       = regexp.MustCompile(`state held ([^)]+)\)`)
)

// checkWarnings: no diagnostic runs past maxMessage characters, and every warning's
// stated condition is true.
func (m *machine) checkWarnings(before, after consoleView, res stepResult) {
	for _, d := range m.core.diags {
		invariant()
		if n := len([]rune(d.Detail)); n > maxMessage {
			m.t.Fatalf("INVARIANT messages: %q of %d characters, over %d: %s", d.Summary, n, maxMessage, d.Detail)
		}
		if d.Severity != "warning" {
			continue
		}
		switch {
		case d.Summary == "Service Account Token Managed Elsewhere Too":
			invariant()
			id := firstMatch(accountInDetail, d.Detail)
			// Our own renewal, made by an apply killed before it saved state, looks the same
			// on the Console as a second manager's; the warning names both causes, so it is
			// true when one of them is.
			killedOurs := m.ours[strings.ToLower(id)] &&
				strings.Contains(d.Detail, "or by an apply of this configuration killed before it saved state")
			if !m.external[strings.ToLower(id)] && !killedOurs {
				m.t.Fatalf("INVARIANT warnings: %q for account %s, which no one else renewed", d.Summary, id)
			}
		case d.Summary == "Previous Token No Longer Works":
			invariant()
			id, held := firstMatch(accountInDetail, d.Detail), firstMatch(stateHeld, d.Detail)
			if sa, ok := after.byID[strings.ToLower(id)]; ok && sa.TokenID == held {
				m.t.Fatalf("INVARIANT warnings: %q for account %s, whose token is still the one in state (%s)", d.Summary, id, held)
			}
		case d.Summary == "Token Will Be Rotated" && strings.Contains(d.Detail, "The token of service account") &&
			strings.Contains(d.Detail, "keeps working as the previous token"):
			m.checkKeepsWorking(before, after, res, d.Detail)
		}
	}
}

// checkKeepsWorking: a rotation said to keep the active token working as the previous
// one leaves it working, after a successful apply in which the clocks did not move.
func (m *machine) checkKeepsWorking(before, after consoleView, res stepResult, detail string) {
	if res.failed || res.moved || res.kind != "apply" {
		return
	}
	old := before.state[addrRot]
	token := str(old, "token")
	if token == "" || m.stepExternal[strings.ToLower(str(old, "active_service_account_id"))] {
		return // someone else renewed it during the step, after the plan said so
	}
	invariant()
	if m.authenticates(token) || m.expiredByTime(after, str(old, "token_id")) {
		return
	}
	m.t.Fatalf("INVARIANT warnings: the rotation said the token of %s (token id %s) keeps working as the previous "+
		"token, and it does not (%s)", str(old, "active_service_account_id"), str(old, "token_id"), firstSentence(detail))
}

func firstMatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// checkRevoke: a revoke reported done leaves the leaked token dead; one reported failed
// leaves it working; "nothing to revoke" means it had expired.
func (m *machine) checkRevoke(leaked *client.ServiceAccount, progress []string) {
	now, err := m.api.GetServiceAccount(context.Background(), m.scope(), leaked.ID)
	dead := err != nil || now.TokenID != leaked.TokenID ||
		(now.TokenExpiresAt != nil && !m.core.console.Now().Before(*now.TokenExpiresAt))
	done := len(progress) > 0 && strings.HasPrefix(progress[len(progress)-1], "Revoked")
	nothing := len(progress) > 0 && strings.HasPrefix(progress[len(progress)-1], "Nothing to revoke")
	notRevoked := false
	for _, d := range m.core.diags {
		notRevoked = notRevoked || d.Summary == "Token Not Revoked"
	}
	invariant()
	switch {
	case (done || nothing) && !dead:
		m.t.Fatalf("INVARIANT revoke: reported %q, and the leaked token (id %s) still works",
			firstSentence(progress[len(progress)-1]), leaked.TokenID)
	case notRevoked && dead:
		m.t.Fatalf("INVARIANT revoke: reported Token Not Revoked, and the leaked token (id %s) is dead", leaked.TokenID)
	}
}

// converges: from wherever the schedule left it, a clean apply succeeds, leaves working
// tokens and one account per name, and then a plan changes nothing.
func (m *machine) converges() {
	m.do("clean apply", func(ctx context.Context) stepResult { return m.applyStep(ctx, "") })
	invariant()
	if m.core.failed() {
		m.t.Fatalf("INVARIANT converges: a clean apply failed: %s", m.core.diagText())
	}
	v := m.snapshot()
	for addr, name := range accountNames {
		invariant()
		id := m.accountID(addr)
		if id == "" || v.byName[name] != 1 || v.byID[id].Name != name {
			m.t.Fatalf("INVARIANT converges: after a clean apply, %s is not the one account named %q", addr, name)
		}
	}
	for _, addr := range []string{addrTok, addrRot} {
		invariant()
		in := m.core.state[addr]
		if in == nil || !m.authenticates(str(in.state, "token")) {
			m.t.Fatalf("INVARIANT converges: after a clean apply, %s holds no working token", addr)
		}
	}
	m.core.diags = nil
	p, err := m.core.plan(context.Background(), m.cfg, "", false)
	invariant()
	if err != nil || m.core.failed() {
		m.t.Fatalf("INVARIANT converges: the plan after a clean apply failed: %v %s", err, m.core.diagText())
	}
	for _, ch := range p.changes {
		if ch.action != "noop" {
			m.t.Fatalf("INVARIANT converges: the plan after a clean apply has %s %s", ch.action, ch.addr)
		}
	}
}

// diagText is the step's diagnostics, one line each.
func (c *tfCore) diagText() string {
	var b strings.Builder
	for _, d := range c.diags {
		b.WriteString("\n    " + d.String())
	}
	return b.String()
}
