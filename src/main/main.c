// SPDX-License-Identifier: MIT
/* The hvemu command: `hvemu run ...` boots a guest, `hvemu ctl ...` talks to a running one. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "main/commands.h"

static const char usage[] =
    "Usage: hvemu COMMAND [options]\n"
    "\n"
    "A KVM virtual machine monitor that emulates Hyper-V enlightenments in user space.\n"
    "\n"
    "Commands:\n"
    "  run    boot a guest kernel (hvemu run --help)\n"
    "  ctl    drive a running VM through its control socket (hvemu ctl --help)\n"
    "\n"
    "  -h, --help     this text\n"
    "  --version      hvemu's version\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctl") == 0)
		return ctl_client_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		print_version();
		return 0;
	}
	fprintf(stderr, "hvemu: unknown command '%s'\n\n%s", argv[1], usage);
	return 2;
}
