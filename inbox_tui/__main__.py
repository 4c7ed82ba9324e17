from inbox_tui.cli.main import main

raise SystemExit(main())
