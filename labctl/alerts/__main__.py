from labctl.alerts.sink import main

main()
