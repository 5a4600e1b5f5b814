"""The distribution-centre floor: intake at the dock, sorting and loading, the driver's run, returns home to the
merchants, and the exceptions queue. Sits above orders and routing."""
