//! Albers equal-area conic projection used for every map (spherical, unit radius).
//!
//! Standard parallels 25°N and 47°N, central meridian 105°E, origin latitude 0°.
//! Output `y` grows northwards; the SVG writer flips it.

use std::sync::LazyLock;

const PHI1: f64 = 25.0;
const PHI2: f64 = 47.0;
const LAMBDA0: f64 = 105.0;

struct Consts {
    n: f64,
    c: f64,
    rho0: f64,
}

const fn rad(deg: f64) -> f64 {
    deg * std::f64::consts::PI / 180.0
}

static CONSTS: LazyLock<Consts> = LazyLock::new(consts);

fn consts() -> Consts {
    let (s1, s2) = (rad(PHI1).sin(), rad(PHI2).sin());
    let n = (s1 + s2) / 2.0;
    let c = rad(PHI1).cos().powi(2) + 2.0 * n * s1;
    let rho0 = c.sqrt() / n;
    Consts { n, c, rho0 }
}

/// Projects a lon/lat point (degrees) to plane coordinates (unit sphere, north = +y).
pub(crate) fn albers((lon, lat): (f64, f64)) -> (f64, f64) {
    let k = &*CONSTS;
    let rho = (k.c - 2.0 * k.n * rad(lat).sin()).max(0.0).sqrt() / k.n;
    let theta = k.n * rad(lon - LAMBDA0);
    (rho * theta.sin(), k.rho0 - rho * theta.cos())
}

#[cfg(test)]
mod tests {
    use super::albers;

    #[test]
    fn orientation_north_up_east_right() {
        let (x0, y0) = albers((105.0, 30.0));
        assert!(x0.abs() < 1e-12, "central meridian maps to x = 0");
        let (xe, _) = albers((115.0, 30.0));
        let (_, yn) = albers((105.0, 40.0));
        assert!(xe > x0, "east is to the right");
        assert!(yn > y0, "north is up (before the SVG flip)");
    }
}
