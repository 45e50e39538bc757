// Command luoshi reads government work reports (政府工作报告) into plans and
// runs their delivery. Run `luoshi help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: its one-line summary and the function that
// runs it with the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may touch of the outside world, passed in so that
// tests can run commands in parallel.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// commands is filled by the init functions of the files that define them.
var commands = map[string]command{}

// errUsage marks an error that is the caller's wording: exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "luoshi: unknown command %q\n", args[0])
		usage(e.stderr)
		return 2
	}
	if err := c.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, errUsage) {
			if asksHelp(args[1:]) {
				return 0 // the flag set printed the usage asked for
			}
			if err != errUsage {
				fmt.Fprintf(e.stderr, "luoshi %s: %v\n", args[0], err)
			}
			return 2
		}
		fmt.Fprintf(e.stderr, "luoshi %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "luoshi (落实): turn a government work report into a delivered plan.")
	fmt.Fprintln(w, "\nUsage: luoshi COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `luoshi COMMAND -h` for a command's flags.")
}

// asksHelp reports whether a command line asks for help.
func asksHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}
