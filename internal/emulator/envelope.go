package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// statusClientClosedRequest is recorded when the client gave up while the emulator
// was still adding latency; nobody reads the response.
const statusClientClosedRequest = 499

// apiError is a refusal: the HTTP status carries the class, the message says what was
// wrong and, where it helps, what is accepted.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

// response is what a handler produces on success: a status and the envelope's data.
type response struct {
	status int
	data   any
}

func ok(data any) response { return response{status: http.StatusOK, data: data} }

type successEnvelope struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

type errorEnvelope struct {
	Success bool        `json:"success"`
	Errors  errorDetail `json:"errors"`
}

type errorDetail struct {
	Message string `json:"message"`
}

// writeJSON writes v as the JSON body with the given status and returns the status.
func writeJSON(w http.ResponseWriter, status int, v any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only the emulator's own types are encoded here; this cannot happen.
		panic(fmt.Sprintf("emulator: encoding response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return status
}

// writeData writes a success envelope.
func writeData(w http.ResponseWriter, status int, data any) int {
	return writeJSON(w, status, successEnvelope{Success: true, Data: data})
}

// writeError writes an error envelope.
func writeError(w http.ResponseWriter, e *apiError) int {
	return writeJSON(w, e.status, errorEnvelope{Errors: errorDetail{Message: e.message}})
}
