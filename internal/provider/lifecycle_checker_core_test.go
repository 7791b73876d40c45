package provider

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// The generative checker's "Terraform core": just enough of Terraform, over tfprotov6,
// to plan, apply, refresh, import and destroy one small configuration with the real
// provider, against an in-process emulator behind a front (checkerFront) that loses
// answers, drops them and stalls writes on request. State and private state are kept
// between steps the way Terraform keeps them: a plan's prior state is the refreshed
// one, a saved plan is applied later with its planned values and private state, a
// failed create is kept tainted, and every walk (plan, apply) gets a fresh provider.

// The configuration: one account with a token, and a rotating token over two accounts
// made in the Console beforehand (not managed here: fewer resources, so more schedules
// per second; and destroy must leave them alone).
const (
	addrAcctT = "platformer_service_account.t"
	addrAcctA = "console:gen-r1" // made in the Console, not a resource
	addrAcctB = "console:gen-r2"
	addrTok   = "platformer_service_account_token.t"
	addrRot   = "platformer_service_account_rotating_token.r"
)

// coreOrder is the order of creation (accounts first); destroy goes the other way.
var coreOrder = []string{addrAcctT, addrTok, addrRot}

// accountNames are the names of the accounts: exactly one account has each.
var accountNames = map[string]string{addrAcctT: "gen-t", addrAcctA: "gen-r1", addrAcctB: "gen-r2"}

// coreConfig is what the schedule may change in the configuration.
type coreConfig struct {
	TokenExpires bool // expires_in = "2h", renew_before = "30m"; else neither
	Trigger      int  // the token's rotation_trigger, "v<n>" (0: null)
	RotTrigger   int  // the rotating token's rotation_trigger (0: null)
}

// instance is one resource instance in state.
type instance struct {
	state   tftypes.Value
	private []byte
	tainted bool
}

// diagnostic is one diagnostic, as a step's log and the invariants read it.
type diagnostic struct {
	Addr, Severity, Summary, Detail string
}

func (d diagnostic) String() string {
	return fmt.Sprintf("%s %s: %s: %s", d.Addr, d.Severity, d.Summary, d.Detail)
}

// change is one resource instance's planned change.
type change struct {
	addr           string
	action         string // noop, create, update, replace, delete
	prior          tftypes.Value
	priorPrivate   []byte
	planned        tftypes.Value
	plannedPrivate []byte
	config         tftypes.Value
}

// savedPlan is a plan: the refreshed state it was made on, and its changes.
type savedPlan struct {
	refreshed   map[string]*instance
	changes     []*change
	refreshOnly bool
	destroy     bool
}

// tfCore is the in-process Terraform of one schedule.
type tfCore struct {
	em      *emulator.Server
	front   *checkerFront
	url     string
	console *emulator.ManualClock // the Console's clock
	local   *emulator.ManualClock // this machine's clock, as the provider reads it
	types   map[string]tftypes.Object
	actType tftypes.Object
	ephTyp  tftypes.Object
	provTyp tftypes.Object
	state   map[string]*instance
	premade map[string]string // addrAcctA, addrAcctB: their ids
	diags   []diagnostic
	close   func()
}

// newTFCore starts an emulator behind a front, and reads the provider's schema.
func newTFCore(start time.Time) (*tfCore, error) {
	console := emulator.NewManualClock(start)
	em := emulator.New(emulator.Options{Clock: console})
	front := &checkerFront{em: em}
	hs := httptest.NewServer(front)
	c := &tfCore{em: em, front: front, url: hs.URL, console: console, local: emulator.NewManualClock(start),
		state: map[string]*instance{}, close: func() {
			front.releaseAll()
			hs.CloseClientConnections()
			hs.Close()
		}}
	if err := c.readSchema(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkerSchema is the provider's schema as value types, read once.
var checkerSchema struct {
	once    sync.Once
	err     error
	types   map[string]tftypes.Object
	actType tftypes.Object
	ephTyp  tftypes.Object
	provTyp tftypes.Object
}

// readSchema gives c the value types of the provider's schema.
func (c *tfCore) readSchema() error {
	s := &checkerSchema
	s.once.Do(func() {
		srv, err := NewServer(newCheckerProvider(c.local))()
		if err != nil {
			s.err = err
			return
		}
		schema, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
		if err != nil {
			s.err = err
			return
		}
		s.types = map[string]tftypes.Object{}
		for name, rs := range schema.ResourceSchemas {
			s.types[name] = rs.ValueType().(tftypes.Object)
		}
		s.actType = schema.ActionSchemas["platformer_service_account_revoke_token"].Schema.ValueType().(tftypes.Object)
		s.ephTyp = schema.EphemeralResourceSchemas["platformer_service_account"].ValueType().(tftypes.Object)
		s.provTyp = schema.Provider.ValueType().(tftypes.Object)
	})
	c.types, c.actType, c.ephTyp, c.provTyp = s.types, s.actType, s.ephTyp, s.provTyp
	return s.err
}

// typeOf is the resource type of an address.
func typeOf(addr string) string { return addr[:strings.IndexByte(addr, '.')] }

// server starts a provider (a fresh process, as Terraform starts one per walk) and
// configures it.
func (c *tfCore) server(ctx context.Context) (tfprotov6.ProviderServer, error) {
	srv, err := NewServer(newCheckerProvider(c.local))()
	if err != nil {
		return nil, err
	}
	// Terraform asks a new process for its schema (GetProviderSchema); the framework
	// needs no such call first, and the checker has the schema already.
	cfg := objectOf(c.provTyp, map[string]tftypes.Value{
		"api_url":         tftypes.NewValue(tftypes.String, c.url),
		"token":           tftypes.NewValue(tftypes.String, emulator.DefaultAdminToken),
		"organization_id": tftypes.NewValue(tftypes.String, emulator.OrganizationID),
		"max_retries":     tftypes.NewValue(tftypes.Number, big.NewFloat(0)),
		"request_timeout": tftypes.NewValue(tftypes.String, checkerRequestTimeout),
	})
	resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.15.9", Config: dyn(cfg)})
	if err != nil {
		return nil, err
	}
	c.note("provider", resp.Diagnostics)
	if hasError(resp.Diagnostics) {
		return nil, fmt.Errorf("configure: %s", firstError(resp.Diagnostics))
	}
	return srv, nil
}

// checkerRequestTimeout bounds each request, and so the renewal waits (renewalWait):
// short, since a lost answer is lost at once by the front, never by waiting.
const checkerRequestTimeout = "1s"

// objectOf is an object of type typ with the given attributes, every other one null.
func objectOf(typ tftypes.Object, attrs map[string]tftypes.Value) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := attrs[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, vals)
}

func dyn(v tftypes.Value) *tfprotov6.DynamicValue {
	d, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		panic(err)
	}
	return &d
}

func (c *tfCore) value(typ string, d *tfprotov6.DynamicValue) tftypes.Value {
	t := c.types[typ]
	if d == nil {
		return tftypes.NewValue(t, nil)
	}
	v, err := d.Unmarshal(t)
	if err != nil {
		panic(err)
	}
	return v
}

// attrs is an object's attributes (nil for a null object).
func attrs(v tftypes.Value) map[string]tftypes.Value {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	m := map[string]tftypes.Value{}
	if err := v.As(&m); err != nil {
		panic(err)
	}
	return m
}

// str is a string attribute of an object: "" when null or unknown.
func str(v tftypes.Value, name string) string {
	a := attrs(v)[name]
	if a.IsNull() || !a.IsKnown() {
		return ""
	}
	var s string
	if err := a.As(&s); err != nil {
		return ""
	}
	return s
}

// config is the configuration of addr, its references resolved from values (a
// reference to an unknown or absent id is unknown).
func (c *tfCore) config(addr string, cfg coreConfig, values map[string]tftypes.Value) tftypes.Value {
	ref := func(a string) tftypes.Value {
		if id := c.premade[a]; id != "" {
			return tftypes.NewValue(tftypes.String, id)
		}
		if id := str(values[a], "id"); id != "" {
			return tftypes.NewValue(tftypes.String, id)
		}
		return tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	}
	trigger := func(n int) tftypes.Value {
		if n == 0 {
			return tftypes.NewValue(tftypes.DynamicPseudoType, nil)
		}
		return tftypes.NewValue(tftypes.String, fmt.Sprintf("v%d", n))
	}
	s := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	typ := c.types[typeOf(addr)]
	switch addr {
	case addrTok:
		a := map[string]tftypes.Value{"service_account_id": ref(addrAcctT), "rotation_trigger": trigger(cfg.Trigger)}
		if cfg.TokenExpires {
			a["expires_in"], a["renew_before"] = s("2h"), s("30m")
		}
		return objectOf(typ, a)
	case addrRot:
		ids := tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{ref(addrAcctA), ref(addrAcctB)})
		return objectOf(typ, map[string]tftypes.Value{"service_account_ids": ids, "rotate_every": s("1h"),
			"expires_in": s("3h"), "rotation_trigger": trigger(cfg.RotTrigger)})
	}
	return objectOf(typ, map[string]tftypes.Value{"name": s(accountNames[addr])})
}

// proposed is Terraform's proposed new state for flat schemas: the configuration, with
// computed attributes that the configuration leaves null taken from the prior state.
func (c *tfCore) proposed(typ string, prior, config tftypes.Value, computed map[string]bool) tftypes.Value {
	if config.IsNull() {
		return config
	}
	p, cf := attrs(prior), attrs(config)
	out := map[string]tftypes.Value{}
	for name, v := range cf {
		if computed[name] && v.IsNull() && p != nil {
			v = p[name]
		}
		out[name] = v
	}
	return tftypes.NewValue(c.types[typ], out)
}

// computedAttrs are the computed attributes of each resource type.
var computedAttrs = map[string]map[string]bool{}

func (c *tfCore) computed(ctx context.Context, srv tfprotov6.ProviderServer, typ string) map[string]bool {
	computedAttrsMu.Lock()
	m, ok := computedAttrs[typ]
	computedAttrsMu.Unlock()
	if ok {
		return m
	}
	full, _ := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	m = map[string]bool{}
	for _, a := range full.ResourceSchemas[typ].Block.Attributes {
		if a.Computed {
			m[a.Name] = true
		}
	}
	computedAttrsMu.Lock()
	computedAttrs[typ] = m
	computedAttrsMu.Unlock()
	return m
}

var computedAttrsMu sync.Mutex

func hasError(ds []*tfprotov6.Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d *tfprotov6.Diagnostic) bool {
		return d.Severity == tfprotov6.DiagnosticSeverityError
	})
}

func firstError(ds []*tfprotov6.Diagnostic) string {
	for _, d := range ds {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return d.Summary + ": " + d.Detail
		}
	}
	return ""
}

// note records diagnostics of addr for the step.
func (c *tfCore) note(addr string, ds []*tfprotov6.Diagnostic) {
	for _, d := range ds {
		sev := "warning"
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			sev = "error"
		}
		c.diags = append(c.diags, diagnostic{Addr: addr, Severity: sev, Summary: d.Summary, Detail: d.Detail})
	}
}

// failed reports whether the step so far has an error.
func (c *tfCore) failed() bool {
	return slices.ContainsFunc(c.diags, func(d diagnostic) bool { return d.Severity == "error" })
}

// ---- refresh and plan ------------------------------------------------------------------

// refresh reads every instance of state with srv and returns the refreshed copy.
func (c *tfCore) refresh(ctx context.Context, srv tfprotov6.ProviderServer, state map[string]*instance) map[string]*instance {
	out := map[string]*instance{}
	for _, addr := range coreOrder {
		in := state[addr]
		if in == nil {
			continue
		}
		resp, err := srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeOf(addr),
			CurrentState: dyn(in.state), Private: in.private})
		if err != nil || ctx.Err() != nil {
			out[addr] = in
			continue
		}
		c.note(addr, resp.Diagnostics)
		if hasError(resp.Diagnostics) {
			out[addr] = in
			continue
		}
		if v := c.value(typeOf(addr), resp.NewState); !v.IsNull() {
			out[addr] = &instance{state: v, private: resp.Private, tainted: in.tainted}
		}
	}
	return out
}

// plan makes a plan of cfg on the state (refreshed first unless noRefresh). mode is
// "", "refresh-only" or "destroy".
func (c *tfCore) plan(ctx context.Context, cfg coreConfig, mode string, noRefresh bool) (*savedPlan, error) {
	srv, err := c.server(ctx)
	if err != nil {
		return nil, err
	}
	prior := c.state
	if !noRefresh {
		prior = c.refresh(ctx, srv, c.state)
	}
	p := &savedPlan{refreshed: prior, refreshOnly: mode == "refresh-only", destroy: mode == "destroy"}
	if p.refreshOnly || c.failed() || ctx.Err() != nil {
		return p, ctx.Err()
	}
	values := map[string]tftypes.Value{}
	for _, addr := range coreOrder {
		in := prior[addr]
		ch, err := c.planOne(ctx, srv, addr, in, cfg, values, p.destroy)
		if err != nil {
			return p, err
		}
		p.changes = append(p.changes, ch)
		values[addr] = ch.planned
	}
	return p, ctx.Err()
}

// planOne plans one instance: a create, an update, a replacement, a delete or no change.
func (c *tfCore) planOne(ctx context.Context, srv tfprotov6.ProviderServer, addr string, in *instance,
	cfg coreConfig, values map[string]tftypes.Value, destroy bool) (*change, error) {
	typ := typeOf(addr)
	ch := &change{addr: addr, prior: tftypes.NewValue(c.types[typ], nil)}
	if in != nil {
		ch.prior, ch.priorPrivate = in.state, in.private
	}
	if destroy {
		ch.config, ch.planned = tftypes.NewValue(c.types[typ], nil), tftypes.NewValue(c.types[typ], nil)
		ch.action = "noop"
		if in != nil {
			ch.action = "delete"
		}
		return ch, nil
	}
	ch.config = c.config(addr, cfg, values)
	if in != nil && in.tainted {
		ch.action = "replace"
		return ch, c.planCreate(ctx, srv, ch, in.private)
	}
	resp, err := c.planRPC(ctx, srv, addr, ch.prior, ch.priorPrivate, ch.config)
	if err != nil {
		return ch, err
	}
	ch.planned, ch.plannedPrivate = c.value(typ, resp.PlannedState), resp.PlannedPrivate
	switch {
	case in == nil:
		ch.action = "create"
	case len(resp.RequiresReplace) > 0 && !ch.planned.Equal(ch.prior):
		ch.action = "replace"
		return ch, c.planCreate(ctx, srv, ch, resp.PlannedPrivate)
	case ch.planned.Equal(ch.prior):
		// Terraform decides by the values alone: no change, whatever the private state
		// planned; the state keeps its own.
		ch.action = "noop"
	default:
		ch.action = "update"
	}
	return ch, nil
}

// planCreate plans the create half of a replacement, as Terraform does: a null prior
// state, and the private state the first half planned.
func (c *tfCore) planCreate(ctx context.Context, srv tfprotov6.ProviderServer, ch *change, private []byte) error {
	typ := typeOf(ch.addr)
	resp, err := c.planRPC(ctx, srv, ch.addr, tftypes.NewValue(c.types[typ], nil), private, ch.config)
	if err != nil {
		return err
	}
	ch.planned, ch.plannedPrivate = c.value(typ, resp.PlannedState), resp.PlannedPrivate
	return nil
}

// planRPC is PlanResourceChange; an error diagnostic is an error.
func (c *tfCore) planRPC(ctx context.Context, srv tfprotov6.ProviderServer, addr string, prior tftypes.Value,
	private []byte, config tftypes.Value) (*tfprotov6.PlanResourceChangeResponse, error) {
	typ := typeOf(addr)
	proposed := c.proposed(typ, prior, config, c.computed(ctx, srv, typ))
	resp, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typ,
		PriorState: dyn(prior), ProposedNewState: dyn(proposed), Config: dyn(config), PriorPrivate: private})
	if err != nil {
		return nil, err
	}
	c.note(addr, resp.Diagnostics)
	if hasError(resp.Diagnostics) {
		return nil, fmt.Errorf("%w: %s: %s", errPlanRefused, addr, firstError(resp.Diagnostics))
	}
	return resp, nil
}

// errPlanRefused: the provider's plan has an error diagnostic (recorded in the step).
var errPlanRefused = errors.New("plan refused")

// ---- apply -----------------------------------------------------------------------------

// apply applies a plan: the state becomes the plan's refreshed state, then deletes run
// (dependents first), then creates and updates (dependencies first), each planned again
// with the configuration as then known, as Terraform does. A resource whose dependency
// failed is skipped.
func (c *tfCore) apply(ctx context.Context, p *savedPlan, cfg coreConfig) error {
	c.state = p.refreshed
	if p.refreshOnly {
		return nil
	}
	srv, err := c.server(ctx)
	if err != nil {
		return err
	}
	broken := map[string]bool{}
	for i := len(p.changes) - 1; i >= 0; i-- {
		ch := p.changes[i]
		if ch.action == "delete" || ch.action == "replace" {
			if err := c.applyDelete(ctx, srv, ch); err != nil {
				return err
			}
			if c.state[ch.addr] != nil {
				broken[ch.addr] = true
			}
		}
	}
	for _, ch := range p.changes {
		if ch.action == "noop" || ch.action == "delete" || broken[ch.addr] || dependencyBroken(ch.addr, broken) {
			broken[ch.addr] = broken[ch.addr] || dependencyBroken(ch.addr, broken)
			continue
		}
		if err := c.applyOne(ctx, srv, ch, cfg); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c.failedAt(ch.addr) {
			broken[ch.addr] = true
		}
	}
	return ctx.Err()
}

// dependencyBroken says whether an account addr's configuration refers to is broken.
func dependencyBroken(addr string, broken map[string]bool) bool {
	switch addr {
	case addrTok:
		return broken[addrAcctT]
	}
	return false
}

// failedAt says whether the step has an error diagnostic of addr.
func (c *tfCore) failedAt(addr string) bool {
	return slices.ContainsFunc(c.diags, func(d diagnostic) bool { return d.Addr == addr && d.Severity == "error" })
}

func (c *tfCore) applyDelete(ctx context.Context, srv tfprotov6.ProviderServer, ch *change) error {
	in := c.state[ch.addr]
	if in == nil {
		return nil
	}
	typ := typeOf(ch.addr)
	null := tftypes.NewValue(c.types[typ], nil)
	resp, err := srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: typ,
		PriorState: dyn(in.state), PlannedState: dyn(null), Config: dyn(null), PlannedPrivate: in.private})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err() // killed: nothing is saved
	}
	c.note(ch.addr, resp.Diagnostics)
	if !hasError(resp.Diagnostics) {
		delete(c.state, ch.addr)
	}
	return nil
}

// applyOne creates or updates one instance.
func (c *tfCore) applyOne(ctx context.Context, srv tfprotov6.ProviderServer, ch *change, cfg coreConfig) error {
	typ := typeOf(ch.addr)
	values := map[string]tftypes.Value{}
	for addr, in := range c.state {
		values[addr] = in.state
	}
	prior := tftypes.NewValue(c.types[typ], nil)
	var priorPrivate []byte
	if in := c.state[ch.addr]; in != nil {
		prior, priorPrivate = in.state, in.private
	}
	planned, private, config := ch.planned, ch.plannedPrivate, c.config(ch.addr, cfg, values)
	if !config.Equal(ch.config) {
		// Known now: planned again (Terraform checks the result against the plan).
		pp := ch.plannedPrivate
		if priorPrivate != nil {
			pp = priorPrivate
		}
		resp, err := c.planRPC(ctx, srv, ch.addr, prior, pp, config)
		if errors.Is(err, errPlanRefused) {
			return nil // diagnosed: the step failed
		}
		if err != nil {
			return err
		}
		planned, private = c.value(typ, resp.PlannedState), resp.PlannedPrivate
	}
	resp, err := srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: typ,
		PriorState: dyn(prior), PlannedState: dyn(planned), Config: dyn(config), PlannedPrivate: private})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err() // killed: nothing is saved
	}
	c.note(ch.addr, resp.Diagnostics)
	newState := c.value(typ, resp.NewState)
	switch {
	case newState.IsNull() && hasError(resp.Diagnostics):
		// Nothing saved: the prior state stays.
	case newState.IsNull():
		delete(c.state, ch.addr)
	default:
		tainted := hasError(resp.Diagnostics) && prior.IsNull()
		c.state[ch.addr] = &instance{state: newState, private: resp.Private, tainted: tainted}
	}
	return nil
}

// importOne imports addr by id into state (it must not be there) and reads it.
func (c *tfCore) importOne(ctx context.Context, addr, id string) error {
	srv, err := c.server(ctx)
	if err != nil {
		return err
	}
	typ := typeOf(addr)
	resp, err := srv.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typ, ID: id})
	if err != nil {
		return err
	}
	c.note(addr, resp.Diagnostics)
	if hasError(resp.Diagnostics) || len(resp.ImportedResources) != 1 {
		return nil
	}
	imp := resp.ImportedResources[0]
	read, err := srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typ, CurrentState: imp.State,
		Private: imp.Private})
	if err != nil {
		return err
	}
	c.note(addr, read.Diagnostics)
	if v := c.value(typ, read.NewState); !hasError(read.Diagnostics) && !v.IsNull() && ctx.Err() == nil {
		c.state[addr] = &instance{state: v, private: read.Private}
	}
	return nil
}

// revoke invokes the revoke action on account id; it returns the progress messages.
func (c *tfCore) revoke(ctx context.Context, id string) ([]string, error) {
	srv, err := c.server(ctx)
	if err != nil {
		return nil, err
	}
	cfg := objectOf(c.actType, map[string]tftypes.Value{"service_account_id": tftypes.NewValue(tftypes.String, id)})
	as, ok := srv.(tfprotov6.ActionServer)
	if !ok {
		return nil, fmt.Errorf("the provider server serves no actions")
	}
	stream, err := as.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{ActionType: "platformer_service_account_revoke_token",
		Config: dyn(cfg)})
	if err != nil {
		return nil, err
	}
	var progress []string
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			c.note("action.revoke", e.Diagnostics)
		}
	}
	return progress, nil
}

// ephemeralPrefix is the name prefix of the ephemeral account.
const ephemeralPrefix = "gen-eph-"

// ephemeral opens the ephemeral platformer_service_account, calls use with its id and
// token (when open), and closes it, as Terraform does within one walk.
func (c *tfCore) ephemeral(ctx context.Context, use func(id, token string)) error {
	srv, err := c.server(ctx)
	if err != nil {
		return err
	}
	es, ok := srv.(tfprotov6.EphemeralResourceServer)
	if !ok {
		return fmt.Errorf("the provider server serves no ephemeral resources")
	}
	const typ = "platformer_service_account"
	cfg := objectOf(c.ephTyp, map[string]tftypes.Value{"name_prefix": tftypes.NewValue(tftypes.String, ephemeralPrefix)})
	open, err := es.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{TypeName: typ, Config: dyn(cfg)})
	if err != nil {
		return err
	}
	c.note("ephemeral.open", open.Diagnostics)
	if hasError(open.Diagnostics) || open.Result == nil {
		return nil
	}
	result, err := open.Result.Unmarshal(c.ephTyp)
	if err != nil {
		return err
	}
	use(str(result, "id"), str(result, "token"))
	closed, err := es.CloseEphemeralResource(ctx, &tfprotov6.CloseEphemeralResourceRequest{TypeName: typ,
		Private: open.Private})
	if err != nil {
		return err
	}
	c.note("ephemeral.close", closed.Diagnostics)
	return nil
}

// ---- the front: faults between the provider and the emulator ----------------------------

// frontFault is what the front does to the next write that issues a token: a renewal
// (POST .../token/renew), or an account's creation.
type frontFault int

const (
	faultNone  frontFault = iota
	faultLost             // committed, then the connection closes: no answer
	faultDrop             // committed, answered 502
	faultStall            // queued (not processed), the connection closes; released later
)

// queuedWrite is a stalled write, kept to be processed when released.
type queuedWrite struct {
	method, path string
	header       http.Header
	body         []byte
}

// checkerFront is an http.Handler before the emulator: it counts renewals, applies the
// armed faults to renewals, keeps stalled writes and releases them in a chosen order
// after a chosen number of further requests, and calls an event (a kill, someone's
// renewal in the Console) when a chosen request arrives, before it is served.
type checkerFront struct {
	em *emulator.Server

	mu           sync.Mutex
	faults       []frontFault // for the next renewals, in order
	queue        []queuedWrite
	releaseAfter int   // release the queue this many requests after the first stall (0: at the step's end)
	releaseAt    int   // release the queue when requests reaches it (0: not armed)
	releaseOrder []int // a permutation of the queue's indices (missing ones go last, in order)
	requests     int
	renewals     map[string]int // renewals sent by the provider, per account id, this step
	eventAt      int            // call event when requests reaches it (0: not armed)
	event        func()
}

// renewPath is the suffix of a renewal's path.
const renewPath = "/token/renew"

// accountOfRenewal is the account id of a renewal's path.
func accountOfRenewal(path string) string {
	p := strings.TrimSuffix(path, renewPath)
	return strings.ToLower(p[strings.LastIndexByte(p, '/')+1:])
}

func (f *checkerFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	fault := faultNone
	renewal := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, renewPath)
	if renewal {
		if f.renewals == nil {
			f.renewals = map[string]int{}
		}
		f.renewals[accountOfRenewal(r.URL.Path)]++
	}
	if r.Method == http.MethodPost && len(f.faults) > 0 {
		fault, f.faults = f.faults[0], f.faults[1:]
	}
	event := f.event
	if f.eventAt == 0 || n < f.eventAt {
		event = nil
	} else {
		f.eventAt, f.event = 0, nil
	}
	release := f.releaseAt != 0 && n >= f.releaseAt
	f.mu.Unlock()
	if release {
		f.releaseAll()
	}
	if event != nil {
		event()
	}
	switch fault {
	case faultStall:
		body := readAll(r)
		f.mu.Lock()
		f.queue = append(f.queue, queuedWrite{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
		if f.releaseAt == 0 && f.releaseAfter > 0 {
			f.releaseAt = n + f.releaseAfter
		}
		f.mu.Unlock()
		hangUp(w)
	case faultLost:
		f.em.ServeHTTP(httptest.NewRecorder(), r)
		hangUp(w)
	case faultDrop:
		f.em.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(`{"success":false,"errors":{"message":"upstream response lost"}}`))
	default:
		f.em.ServeHTTP(w, r)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func readAll(r *http.Request) []byte {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return []byte(b.String())
		}
	}
}

// releaseAll processes the stalled writes, in releaseOrder, and disarms the release.
func (f *checkerFront) releaseAll() int {
	f.mu.Lock()
	queue, order := f.queue, f.releaseOrder
	f.queue, f.releaseAt, f.releaseAfter, f.releaseOrder = nil, 0, 0, nil
	f.mu.Unlock()
	done := map[int]bool{}
	run := func(i int) {
		if i < 0 || i >= len(queue) || done[i] {
			return
		}
		done[i] = true
		q := queue[i]
		req := httptest.NewRequest(q.method, q.path, strings.NewReader(string(q.body)))
		req.Header = q.header
		f.em.ServeHTTP(httptest.NewRecorder(), req)
	}
	for _, i := range order {
		run(i)
	}
	for i := range queue {
		run(i)
	}
	return len(queue)
}

// arm sets the faults of the next renewals, the release point and order of stalled
// writes, and the event and when it happens (after that many requests), and clears
// the step's counters.
func (f *checkerFront) arm(faults []frontFault, releaseAfter int, order []int, eventAfter int, event func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults, f.releaseOrder, f.event, f.releaseAfter = faults, order, event, releaseAfter
	f.releaseAt, f.eventAt = 0, 0
	if eventAfter > 0 {
		f.eventAt = f.requests + eventAfter
	}
	f.renewals = nil
}

// disarm clears the faults and the event; it returns the renewals of the step.
func (f *checkerFront) disarm() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults, f.eventAt, f.event = nil, 0, nil
	r := f.renewals
	f.renewals = nil
	return r
}

// checkerProvider is the provider with a shorter wait for renewals whose outcome is
// unknown (renewalWait is request_timeout, which the provider block cannot set below a
// second): the front loses answers at once, so no wait needs to be long, and the
// budget is spent on schedules rather than on waiting.
type checkerProvider struct{ *platformerProvider }

// checkerRenewalWait is renewalWait in the checker: many polls of a millisecond or a few.
const checkerRenewalWait = 150 * time.Millisecond

func (p checkerProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	p.platformerProvider.Configure(ctx, req, resp)
	if d, ok := resp.ResourceData.(*providerData); ok && d != nil {
		d.requestTimeout = checkerRenewalWait
		d.renewal = checkerRenewalTiming
	}
}

// newCheckerProvider is the provider factory of the checker, on this machine's clock clock.
func newCheckerProvider(clock Clock) func() provider.Provider {
	return func() provider.Provider {
		return checkerProvider{newWithClock("test", "gen", clock)().(*platformerProvider)}
	}
}
