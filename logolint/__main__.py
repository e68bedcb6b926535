from logolint.start import main

raise SystemExit(main())
