package wiring

import (
	"fmt"
	"strings"

	"github.com/antlr/antlr4/runtime/Go/antlr"
	cesqlgen "github.com/cloudevents/sdk-go/sql/v2/gen"
	cesqlparser "github.com/cloudevents/sdk-go/sql/v2/parser"
	cesqlruntime "github.com/cloudevents/sdk-go/sql/v2/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// syntaxErrors collects the first syntax error of the CESQL lexer or parser with
// its position; antlr's default listener would print to the process's stderr.
type syntaxErrors struct {
	antlr.DefaultErrorListener
	first string
}

func (s *syntaxErrors) SyntaxError(_ antlr.Recognizer, _ interface{}, line, column int, msg string, _ antlr.RecognitionException) {
	if s.first == "" {
		s.first = fmt.Sprintf("position %d: %s", column+1, msg)
		if line > 1 {
			s.first = fmt.Sprintf("line %d, position %d: %s", line, column+1, msg)
		}
	}
}

// ValidateCESQL parses expr with the CloudEvents SQL grammar Knative uses and
// reports the first error with its position (1-based) in the expression.
func ValidateCESQL(field, expr string) error {
	if expr == "" {
		return invalid.Errorf(field, "the expression is empty")
	}
	listener := &syntaxErrors{}
	lexer := cesqlgen.NewCESQLParserLexer(cesqlparser.NewCaseChangingStream(antlr.NewInputStream(expr), true))
	lexer.RemoveErrorListeners()
	lexer.AddErrorListener(listener)
	p := cesqlgen.NewCESQLParserParser(antlr.NewCommonTokenStream(lexer, antlr.TokenDefaultChannel))
	p.RemoveErrorListeners()
	p.AddErrorListener(listener)
	tree := p.Cesql()
	if listener.first != "" {
		return invalid.Errorf(field, "%q: %s", expr, listener.first)
	}
	// Functions are resolved only when Knative evaluates the filter, so an
	// unknown one would be accepted and then match nothing: check them here.
	fc := &functionCheck{}
	antlr.ParseTreeWalkerDefault.Walk(fc, tree)
	if fc.first != "" {
		return invalid.Errorf(field, "%q: %s", expr, fc.first)
	}
	// The syntax is fine; the library's own parse catches what the grammar allows
	// but the language does not (unknown functions, wrong argument counts).
	if _, err := cesqlparser.Parse(expr); err != nil {
		return invalid.Errorf(field, "%q: %s", expr, err.Error())
	}
	return nil
}

// functionCheck looks up every function call of a parse tree in the CESQL
// runtime's function table, by name and number of arguments.
type functionCheck struct {
	antlr.BaseParseTreeListener
	first string
}

func (f *functionCheck) EnterEveryRule(ctx antlr.ParserRuleContext) {
	call, ok := ctx.(*cesqlgen.FunctionInvocationExpressionContext)
	if !ok || f.first != "" {
		return
	}
	name := strings.ToUpper(call.FunctionIdentifier().GetText())
	n := len(call.FunctionParameterList().(*cesqlgen.FunctionParameterListContext).AllExpression())
	if cesqlruntime.ResolveFunction(name, n) == nil {
		f.first = fmt.Sprintf("position %d: unknown function %s with %d argument(s)", call.GetStart().GetColumn()+1, name, n)
	}
}
