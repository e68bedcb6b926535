from logolint.cli import main

raise SystemExit(main())
