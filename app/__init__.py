"""The assembly: settings, runtime, server, command line, scheduler; nothing imports it."""
