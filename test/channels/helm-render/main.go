// Renders a chart's templates as `helm template` does, for the tests only: Go's text/template
// with sprig (Debian's golang-github-masterminds-sprig-dev) and Helm's include/toYaml/required,
// built offline in GOPATH mode against /usr/share/gocode. Reads a JSON request on stdin and
// writes {"path": "rendered text"} for every template whose name does not start with "_".
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v2"
)

type request struct {
	Templates map[string]string      `json:"templates"`
	Values    map[string]interface{} `json:"values"`
	Chart     map[string]interface{} `json:"chart"`
	Release   map[string]interface{} `json:"release"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	root := template.New("chart")
	funcs := sprig.TxtFuncMap()
	// Helm's own functions (pkg/engine/funcs.go); include needs the template set itself.
	funcs["toYaml"] = func(v interface{}) string {
		out, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(out), "\n")
	}
	funcs["required"] = func(message string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return v, errors.New(message)
		}
		return v, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	root.Funcs(funcs).Option("missingkey=zero")

	names := make([]string, 0, len(req.Templates))
	for name := range req.Templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := root.New(name).Parse(req.Templates[name]); err != nil {
			fail(err)
		}
	}
	data := map[string]interface{}{"Values": req.Values, "Chart": req.Chart, "Release": req.Release}
	rendered := map[string]string{}
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			fail(err)
		}
		// Helm drops what a missing key printed.
		rendered[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	if err := json.NewEncoder(os.Stdout).Encode(rendered); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "helm-render:", err)
	os.Exit(1)
}
