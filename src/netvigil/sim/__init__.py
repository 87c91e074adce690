"""Everything synthetic or replayed: scenarios, the Kazakhstan replay, the prober, outside services.

:mod:`~netvigil.sim.kazakhstan` defines the Kazakhstan January 2022 operators and timeline once;
each signal's replay reads them from there (:mod:`~netvigil.sim.traffic`, :mod:`~netvigil.sim.bgp`,
:mod:`~netvigil.sim.probing`, :mod:`~netvigil.sim.ooni`). :mod:`~netvigil.sim.transport` is the probe
transport on a virtual clock; :mod:`~netvigil.sim.scenarios` the labelled scenario library;
:mod:`~netvigil.sim.services` serves replays of outside services on loopback for tests
(:mod:`~netvigil.sim.services_ioda`, :mod:`~netvigil.sim.services_radar`,
:mod:`~netvigil.sim.services_atlas`, each in its API's own format). Only the
demo and scenario wiring (pipeline/, cli/) import this package; the rest of netvigil never does.
"""
