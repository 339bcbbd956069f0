// The operator's tool's usage text, printed by --help and after a usage error.
export const USAGE = `usage: ox-aps <command>
  check --url <OX SOAP URL> [--login oxadminmaster] [--password-file <file>]
        connects with the master credentials (asked for when no file is given) and says whether OX accepts them
  instances                          application instances in the ledger
  resources [--instance <id>] [--kind contexts|mailboxes|profiles|mobility]
                                     provisioned resources with their state and last error
  retry <aps-id>                     re-runs the failed background jobs of a resource
  reconcile [--instance <id>] [--context <aps-id>] [--json] [--repair [--delete-orphans]]
                                     compares OX with the ledger: exit 0 no drift (or all repaired), 3 drift;
                                     --repair makes OX match the ledger; it deletes in OX only the aps-* contexts
                                     no instance holds, and only with --delete-orphans
  import-plan --instance <id> --context <OX id|name> [--admin-login <login> --admin-password-file <file>]
              [--passwords <file>]   prints, as JSON, the context and mailbox resources that take over an OX
                                     context (for the controller's import), and the users whose rights fit no tier;
                                     --passwords: the old package's mailbox passwords (login,password per line, or
                                     JSON), kept sealed for the takeover and never printed
  deletions [--instance <id>] [--purge-due]
                                     contexts and mailboxes cancelled with a grace period (deleteGraceDays);
                                     --purge-due deletes in OX those whose time has come (the endpoint does it each minute)
  restore --instance <id> --context <aps-id>
                                     stops a cancelled context's deletion: enabled in OX again, held for a takeover
  oauth list | add [<key>] [--secret-file <file>] | remove <key> [--force]
                                     APS Connect consumer keys in OAUTH_CLIENTS_FILE; add makes a key and
                                     secret when none are given and prints them once, for the controller
  demo [--port <n>]                  OX simulator + endpoint + scripted controller (see npm run demo)`;
